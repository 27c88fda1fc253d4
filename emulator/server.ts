import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { authenticationError, StripeApiError } from './errors.js';
import { parseForm } from './form.js';
import type { Faults } from './faults.js';
import type { IdempotencyCache } from './idempotency.js';
import { newId } from './ids.js';

/** The HTTP shell: Stripe's form encoding, auth, idempotency and error shape. Resources add their routes. */
export function buildServer(options: { logger: boolean; idempotency: IdempotencyCache; faults: Faults }): FastifyInstance {
  const app = Fastify({
    logger: options.logger,
    routerOptions: { querystringParser: (text: string) => parseForm(text) },
    bodyLimit: 1024 * 1024,
  });

  app.decorateRequest('stripeRequestId', '');
  app.decorateRequest('idempotencyKey', null);

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, parseForm(typeof body === 'string' ? body : body.toString('utf8')));
  });
  // Control calls may POST `application/json` with an empty body.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, {});
    try {
      done(null, JSON.parse(text) as unknown);
    } catch {
      done(new StripeApiError(400, { type: 'invalid_request_error', message: 'Invalid JSON body.' }), undefined);
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    request.stripeRequestId = newId('req');
    reply.header('request-id', request.stripeRequestId);
    if (!request.url.startsWith('/v1/')) return;
    checkApiKey(request.headers.authorization);
    options.faults.apply(request.url);
  });

  app.addHook('preHandler', async (request, reply) => {
    const key = request.headers['idempotency-key'];
    if (request.method !== 'POST' || !request.url.startsWith('/v1/') || typeof key !== 'string' || key === '') return;
    const fingerprint = `${request.method} ${request.url.split('?')[0] ?? ''} ${JSON.stringify(request.body ?? {})}`;
    const check = options.idempotency.check(key, fingerprint);
    if (check.kind === 'replay') {
      reply.header('idempotent-replayed', 'true').header('idempotency-key', key).code(check.status).type('application/json').send(check.body);
      return reply;
    }
    request.idempotencyKey = key;
    reply.header('idempotency-key', key);
    return undefined;
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (request.idempotencyKey && typeof payload === 'string') {
      // A 409 for a concurrent duplicate is not the result of the first request.
      if (reply.statusCode === 409) options.idempotency.forget(request.idempotencyKey);
      else options.idempotency.store(request.idempotencyKey, reply.statusCode, payload);
    }
    return payload;
  });

  app.setErrorHandler((error: FastifyError | StripeApiError, request, reply) => {
    if (error instanceof StripeApiError) {
      return reply.code(error.status).type('application/json').send(error.body());
    }
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'emulator error');
    const type = status === 500 ? 'api_error' : 'invalid_request_error';
    const message = status === 500 ? 'An unknown error occurred in the emulator.' : error.message;
    return reply.code(status).type('application/json').send({ error: { type, message } });
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    return reply.code(404).type('application/json').send({
      error: {
        type: 'invalid_request_error',
        message: `Unrecognized request URL (${request.method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
      },
    });
  });

  return app;
}

/** Any test secret key is accepted, by Bearer or by Basic (key as user name), as Stripe accepts both. */
function checkApiKey(header: string | undefined): void {
  if (!header) {
    throw authenticationError("You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').");
  }
  let key = '';
  const [scheme, value = ''] = header.split(' ', 2);
  if (scheme?.toLowerCase() === 'bearer') key = value.trim();
  else if (scheme?.toLowerCase() === 'basic') key = Buffer.from(value, 'base64').toString('utf8').split(':')[0] ?? '';
  if (!/^(sk|rk)_test_\S+$/.test(key)) {
    const shown = key.length > 8 ? `${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}` : key;
    throw authenticationError(`Invalid API Key provided: ${shown}`);
  }
}
