import type { FastifyInstance } from 'fastify';
import type Stripe from 'stripe';
import { invalidRequest, missingParam, resourceMissing } from '../errors.js';
import { mergeMetadata, optionalBoolean, optionalString, rejectUnknown, requiredString, stringList, type Params } from '../form.js';
import { idOf, paramsOf } from '../http.js';
import { newId, newSecret } from '../ids.js';
import { LIST_SHAPE, paginate } from '../list.js';
import type { World } from '../world.js';

const MAX_ENDPOINTS = 16;

function findEndpoint(world: World, id: string): Stripe.WebhookEndpoint {
  const endpoint = world.state.webhookEndpoints.get(id);
  if (!endpoint) throw resourceMissing('webhook_endpoint', id);
  return endpoint;
}

function enabledEvents(params: Params, required: boolean): string[] | undefined {
  const events = stringList(params, 'enabled_events');
  if (!events || events.length === 0) {
    if (required) throw missingParam('enabled_events');
    return undefined;
  }
  if (events.includes('*') && events.length > 1) throw invalidRequest("'*' cannot be combined with other event types.", 'enabled_events');
  return events;
}

function validUrl(url: string): string {
  if (!/^https?:\/\/\S+$/.test(url)) throw invalidRequest('Invalid URL: URL must be publicly accessible and use http or https.', 'url', 'url_invalid');
  return url;
}

/** Creates an endpoint from Stripe's parameters; `secret` is given for `listen`'s endpoints, which share one. */
export function createWebhookEndpoint(world: World, params: Params, secret = newSecret('whsec')): Stripe.WebhookEndpoint & { secret: string } {
  if (world.state.webhookEndpoints.newestFirst().length >= MAX_ENDPOINTS) {
    throw invalidRequest(`You have reached the maximum of ${MAX_ENDPOINTS} test webhook endpoints.`, 'url');
  }
  const endpoint: Stripe.WebhookEndpoint = {
    id: newId('we'),
    object: 'webhook_endpoint',
    api_version: optionalString(params, 'api_version') ?? null,
    application: null,
    created: world.now(),
    description: optionalString(params, 'description') ?? null,
    enabled_events: enabledEvents(params, true) ?? [],
    livemode: false,
    metadata: mergeMetadata({}, params),
    status: 'enabled',
    url: validUrl(requiredString(params, 'url')),
  };
  world.state.webhookEndpoints.put(endpoint);
  world.state.webhookSecrets.set(endpoint.id, secret);
  // The secret is shown once, in this response only.
  return { ...endpoint, secret };
}

export function registerWebhookEndpoints(app: FastifyInstance, world: World): void {
  app.post('/v1/webhook_endpoints', async (request) => {
    const params = paramsOf(request);
    rejectUnknown(params, { url: true, enabled_events: [true], description: true, metadata: 'any', api_version: true, connect: true });
    return createWebhookEndpoint(world, params);
  });

  app.get('/v1/webhook_endpoints/:id', async (request) => findEndpoint(world, idOf(request)));

  app.post('/v1/webhook_endpoints/:id', async (request) => {
    const params = paramsOf(request);
    rejectUnknown(params, { url: true, enabled_events: [true], description: true, metadata: 'any', disabled: true });
    const endpoint = findEndpoint(world, idOf(request));
    const url = optionalString(params, 'url');
    if (url) endpoint.url = validUrl(url);
    endpoint.enabled_events = enabledEvents(params, false) ?? endpoint.enabled_events;
    endpoint.description = optionalString(params, 'description') ?? endpoint.description;
    endpoint.metadata = mergeMetadata(endpoint.metadata, params);
    const disabled = optionalBoolean(params, 'disabled');
    if (disabled !== undefined) endpoint.status = disabled ? 'disabled' : 'enabled';
    return endpoint;
  });

  app.delete('/v1/webhook_endpoints/:id', async (request) => {
    const endpoint = findEndpoint(world, idOf(request));
    world.state.webhookEndpoints.delete(endpoint.id);
    world.state.webhookSecrets.delete(endpoint.id);
    return { id: endpoint.id, object: 'webhook_endpoint', deleted: true };
  });

  app.get('/v1/webhook_endpoints', async (request) => {
    const params = paramsOf(request);
    rejectUnknown(params, LIST_SHAPE);
    return paginate(world.state.webhookEndpoints.newestFirst(), params, '/v1/webhook_endpoints');
  });
}
