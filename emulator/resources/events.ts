import type { FastifyInstance } from 'fastify';
import { invalidRequest, resourceMissing } from '../errors.js';
import { optionalBoolean, optionalString, rejectUnknown, stringList } from '../form.js';
import { idOf, paramsOf, retrieveParamsOf } from '../http.js';
import { createdFilter, LIST_SHAPE, paginate } from '../list.js';
import type { World } from '../world.js';

/** `charge.*` style patterns: `*` matches any run of characters. */
function typeMatcher(pattern: string): (type: string) => boolean {
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return (type) => regex.test(type);
}

/** The enabled endpoints that subscribe to `type`. */
export function endpointsFor(world: World, type: string): string[] {
  return world.state.webhookEndpoints
    .newestFirst()
    .filter((endpoint) => endpoint.status === 'enabled' && (endpoint.enabled_events.includes('*') || endpoint.enabled_events.includes(type)))
    .reverse()
    .map((endpoint) => endpoint.id);
}

export function registerEvents(app: FastifyInstance, world: World): void {
  // Stripe CLI's `events resend`: the event goes out again, now, to one endpoint or to every one that subscribes to it.
  app.post('/v1/events/:id/retry', async (request) => {
    const params = paramsOf(request);
    rejectUnknown(params, { webhook_endpoint: true });
    const id = idOf(request);
    const event = world.state.events.get(id);
    if (!event) throw resourceMissing('event', id);
    const endpointId = optionalString(params, 'webhook_endpoint');
    let targets: string[];
    if (endpointId) {
      const endpoint = world.state.webhookEndpoints.get(endpointId);
      if (!endpoint) throw resourceMissing('webhook_endpoint', endpointId, 'webhook_endpoint');
      if (endpoint.status !== 'enabled') throw invalidRequest(`The webhook endpoint ${endpointId} is disabled.`, 'webhook_endpoint');
      targets = [endpoint.id];
    } else {
      targets = endpointsFor(world, event.type);
    }
    world.delivery.resend(event, targets);
    return event;
  });

  app.get('/v1/events/:id', async (request) => {
    retrieveParamsOf(request);
    const id = idOf(request);
    const event = world.state.events.get(id);
    if (!event) throw resourceMissing('event', id);
    return event;
  });

  app.get('/v1/events', async (request) => {
    const params = paramsOf(request);
    rejectUnknown(params, { ...LIST_SHAPE, type: true, types: [true], delivery_success: true });
    const type = optionalString(params, 'type');
    const types = stringList(params, 'types');
    if (type && types) throw invalidRequest('You may only specify one of these parameters: type, types.', 'types');
    if (types && types.length > 20) throw invalidRequest('You may pass at most 20 types.', 'types');
    const matchers = (type ? [type] : types ?? []).map(typeMatcher);
    const deliverySuccess = optionalBoolean(params, 'delivery_success');
    const created = createdFilter(params);
    const rows = world.state.events.newestFirst().filter((event) =>
      (matchers.length === 0 || matchers.some((match) => match(event.type))) &&
      (deliverySuccess === undefined || (event.pending_webhooks === 0) === deliverySuccess) &&
      created(event.created));
    return paginate(rows, params, '/v1/events');
  });
}
