import type { FastifyInstance } from 'fastify';
import type { Socket } from 'node:net';
import type { DeliveryNotice } from './delivery.js';
import { invalidRequest, resourceMissing } from './errors.js';
import { idOf } from './http.js';
import { createWebhookEndpoint } from './resources/webhook-endpoints.js';
import type { World } from './world.js';

// `settled emulator listen`'s side of the emulator: endpoints that forward to a local URL in order, signed with the
// one listen secret, and a stream of their delivery attempts as they happen (server-sent events).

function record(body: unknown): Record<string, unknown> {
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

function eventTypes(value: unknown): string[] {
  if (value === undefined || value === '') return ['*'];
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : null;
  if (!list || list.some((item) => typeof item !== 'string')) throw invalidRequest('events must be a list of event types.', 'events');
  const types = (list as string[]).map((item) => item.trim()).filter((item) => item !== '');
  return types.length === 0 ? ['*'] : types;
}

export function registerListeners(app: FastifyInstance, world: World): void {
  // A stream never ends by itself; closing the emulator cuts its connections, or close would wait for the client.
  const sockets = new Set<Socket>();
  app.addHook('preClose', async () => {
    for (const socket of sockets) socket.destroy();
  });

  app.get('/_emulator/listeners/secret', async () => ({ secret: world.listenSecret }));

  app.post('/_emulator/listeners', async (request) => {
    const body = record(request.body);
    const forwardTo = body['forward_to'];
    if (typeof forwardTo !== 'string' || forwardTo === '') throw invalidRequest('forward_to is required: the URL events are forwarded to.', 'forward_to');
    const endpoint = createWebhookEndpoint(world, { url: forwardTo, enabled_events: eventTypes(body['events']), description: 'settled emulator listen' }, world.listenSecret);
    world.delivery.deliverInOrder(endpoint.id);
    return endpoint;
  });

  app.delete('/_emulator/listeners/:id', async (request) => {
    const id = idOf(request);
    if (!world.state.webhookEndpoints.delete(id)) throw resourceMissing('webhook_endpoint', id);
    world.state.webhookSecrets.delete(id);
    return { id, deleted: true };
  });

  // One line per attempt started and ended; `endpoint_id` narrows it to one endpoint.
  app.get('/_emulator/deliveries/stream', async (request, reply) => {
    const endpointId = record(request.query)['endpoint_id'];
    reply.hijack();
    const stream = reply.raw;
    stream.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'close', 'request-id': request.stripeRequestId });
    stream.write(': connected\n\n');
    const socket = request.raw.socket;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const matches = (notice: DeliveryNotice): boolean =>
      typeof endpointId !== 'string' || endpointId === '' || (notice.kind === 'sending' ? notice.endpoint_id : notice.attempt.endpoint_id) === endpointId;
    const unsubscribe = world.delivery.subscribe((notice) => {
      if (matches(notice)) stream.write(`data: ${JSON.stringify(notice)}\n\n`);
    });
    stream.on('close', unsubscribe);
  });

  app.get('/_emulator/config', async () => ({
    api_version: world.config.apiVersion,
    account_country: world.config.accountCountry,
    async_settle_seconds: world.config.asyncSettleSeconds,
    retry_schedule_ms: world.delivery.retrySchedule(),
  }));
}
