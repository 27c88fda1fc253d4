import type { FastifyInstance } from 'fastify';
import type { DeliveryAttempt } from './delivery.js';
import { escapeHtml, page } from './hosted-page.js';
import { idOf } from './http.js';
import { endpointsFor } from './resources/events.js';
import type { EventRecord } from './state.js';
import type { World } from './world.js';

// The delivery page: recent events and every attempt to deliver each (status, duration, the start of the answer),
// with a Resend button per event. Plain HTML, no scripts; reload to refresh.

const RECENT_EVENTS = 50;

function attemptRow(attempt: DeliveryAttempt): string {
  const status = attempt.status === null ? attempt.failure ?? 'error' : String(attempt.status);
  const answer = attempt.response_body ?? attempt.error ?? '';
  return `<tr class="${attempt.ok ? 'ok' : 'failed'}"><td>${attempt.attempt}${attempt.copy > 1 ? ` (copy ${attempt.copy})` : ''}</td>`
    + `<td>${escapeHtml(status)}</td><td>${attempt.duration_ms} ms</td><td><code>${escapeHtml(attempt.url)}</code></td>`
    + `<td>${escapeHtml(attempt.sent_at)}</td><td><code>${escapeHtml(answer.slice(0, 200))}</code></td>`
    + `<td>${attempt.next_retry_at ? `retry at ${escapeHtml(attempt.next_retry_at)}` : ''}</td></tr>`;
}

function eventSection(event: EventRecord, attempts: DeliveryAttempt[]): string {
  const rows = attempts.map(attemptRow).join('');
  const table = rows === ''
    ? '<p class="note">No delivery attempt (no endpoint subscribes, or it is still scheduled).</p>'
    : `<table><thead><tr><th>Attempt</th><th>Status</th><th>Duration</th><th>URL</th><th>Sent</th><th>Answer</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
  return `<section id="${escapeHtml(event.id)}"><h2>${escapeHtml(event.type)} <code>${escapeHtml(event.id)}</code></h2>
<p class="note">created ${new Date(event.created * 1000).toISOString()} · pending webhooks: ${event.pending_webhooks}</p>${table}
<form method="post" action="/_emulator/dashboard/events/${encodeURIComponent(event.id)}/resend"><button type="submit" class="secondary">Resend</button></form></section>`;
}

export function registerDeliveryPage(app: FastifyInstance, world: World): void {
  app.get('/_emulator/dashboard', async (_request, reply) => {
    const events = world.state.events.newestFirst().slice(0, RECENT_EVENTS);
    const byEvent = new Map<string, DeliveryAttempt[]>();
    for (const attempt of world.delivery.attempts()) {
      const list = byEvent.get(attempt.event_id) ?? [];
      list.push(attempt);
      byEvent.set(attempt.event_id, list);
    }
    const body = events.length === 0 ? '<p role="status">No events yet.</p>' : events.map((event) => eventSection(event, byEvent.get(event.id) ?? [])).join('');
    return reply.type('text/html').send(page('Emulator deliveries', `<h1>Events and deliveries</h1>
<p class="note">The ${RECENT_EVENTS} most recent events, newest first. ${world.delivery.pending()} deliveries in flight.</p>${body}`));
  });

  app.post('/_emulator/dashboard/events/:id/resend', async (request, reply) => {
    const event = world.state.events.get(idOf(request));
    if (!event) return reply.code(404).type('text/html').send(page('Not found', '<h1>No such event</h1>'));
    world.delivery.resend(event, endpointsFor(world, event.type));
    return reply.redirect(`/_emulator/dashboard#${encodeURIComponent(event.id)}`, 303);
  });
}
