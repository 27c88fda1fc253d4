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

export function registerEvents(app: FastifyInstance, world: World): void {
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
