import type { FastifyInstance, FastifyRequest } from 'fastify';
import { deadOutboxMessages, notificationAttempts, parseNotificationId, retryOutboxMessage } from '../../operations/notifications.js';
import type { NotificationAttempt, OutboxMessage, Store } from '../../store/types.js';
import { escapeHtml } from '../html.js';
import { redirectWithNotice, takeNotice } from './flash.js';
import { adminPage, csrfField, formatTime, noticeBlock, type Notice } from './views.js';

export interface NotificationRouteOptions {
  readonly store: Store;
  readonly now: () => number;
  /** Wakes the outbox dispatcher of this process, so a retried message goes out at once. */
  readonly notifyOutbox?: () => void;
  readonly csrf: (request: FastifyRequest) => string;
}

const NOTICES: Record<string, Notice> = {
  requeued: { tone: 'ok', text: 'Put back in the outbox with a fresh set of attempts; it is delivered with the same id.' },
  not_dead: { tone: 'warn', text: 'That message is not a dead letter (it was delivered, or is still being retried).' },
  unknown: { tone: 'bad', text: 'No outbox message has that id.' },
};

function deadTable(messages: readonly OutboxMessage[], csrfToken: string): string {
  if (messages.length === 0) return '<p class="muted">None: every message was delivered or is still being retried.</p>';
  const rows = messages.map(
    (m) => `<tr><td><code>ntf_${m.id}</code><div class="muted">${escapeHtml(m.kind)} · <a href="/admin/orders/${escapeHtml(m.orderId)}">${escapeHtml(m.orderId)}</a></div></td>
<td>${m.attempts} attempt(s)<div class="muted">${escapeHtml(m.lastError ?? '')}</div></td><td class="hide-phone">${formatTime(m.createdAt)}</td>
<td><form method="post" action="/admin/notifications/${m.id}/retry">${csrfField(csrfToken)}<button type="submit" class="small">Retry</button></form></td></tr>`,
  );
  return `<div class="table-wrap"><table><thead><tr><th scope="col">Message</th><th scope="col">Failure</th><th scope="col" class="hide-phone">Queued</th><th scope="col"><span class="skip">Action</span></th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table></div>`;
}

function attemptsTable(attempts: readonly NotificationAttempt[]): string {
  if (attempts.length === 0) return '<p class="muted">No attempts yet.</p>';
  const rows = attempts.map(
    (a) => `<tr><td><code>ntf_${a.outboxId}</code></td><td><span class="status ${a.outcome === 'delivered' ? 'ok' : 'bad'}">${a.outcome}</span> ${a.httpStatus ?? ''}
<div class="muted">${escapeHtml(a.error ?? '')}</div></td><td class="hide-phone">${formatTime(a.attemptedAt)} · ${a.durationMs} ms</td></tr>`,
  );
  return `<div class="table-wrap"><table><thead><tr><th scope="col">Notification</th><th scope="col">Outcome</th><th scope="col" class="hide-phone">When</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table></div>`;
}

/** Dead outbox messages (replayable) and the delivery log of notifications to the shop's backend. */
export async function notificationRoutes(app: FastifyInstance, options: NotificationRouteOptions): Promise<void> {
  const { store } = options;
  app.get('/admin/notifications', async (request, reply) => {
    const dead = await deadOutboxMessages(store, 100);
    const attempts = await notificationAttempts(store, { limit: 100 });
    const flash = takeNotice(request, reply, NOTICES);
    const body = `<h1>Notifications</h1>
${noticeBlock(flash)}
<h2 id="dead">Dead letters (${dead.length})</h2>
<p class="muted">Messages that failed every attempt: notifications to your backend (SETTLED_NOTIFY_URL), confirmations, handlers. Fix the cause, then Retry.</p>
${deadTable(dead, options.csrf(request))}
<h2>Delivery log</h2>
<p class="muted">Every attempt to post a notification to your backend, newest first.</p>
${attemptsTable(attempts)}`;
    return reply.status(200).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(adminPage('Notifications', body, { section: 'notifications', csrfToken: options.csrf(request) }));
  });

  app.post<{ Params: { id: string } }>('/admin/notifications/:id/retry', async (request, reply) => {
    const id = parseNotificationId(request.params.id);
    const outcome = id === undefined ? 'unknown' : await retryOutboxMessage(store, id, options.now());
    if (outcome === 'requeued') options.notifyOutbox?.();
    request.log.info({ outboxId: id, outcome }, 'operator retried an outbox message');
    return redirectWithNotice(request, reply, '/admin/notifications', outcome);
  });
}
