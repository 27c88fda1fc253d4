import formBody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import qs from 'qs';
import { FORM_PARSE_OPTIONS } from '../http/api-requests.js';
import { accessPage } from '../http/access-page.js';
import { apiRoutes } from '../http/api-routes.js';
import { loadAssets } from '../http/assets.js';
import { openAccess, servesAccessPage } from '../operations/access.js';
import { errorHandler } from '../http/errors.js';
import { webhookRoute } from '../http/webhook-route.js';
import type { SettledParts } from './handlers.js';
import { WEBHOOK_BODY_LIMIT_BYTES } from './handlers.js';

export interface SettledFastifyOptions {
  readonly settled: SettledParts;
}

/**
 * settled's buyer API, webhook and access page as a plugin for your Fastify app: `app.register(settledFastify, { settled })`,
 * with `prefix` if you like. Encapsulated: its body parsers and error handler do not leak into your routes.
 */
export async function settledFastify(app: FastifyInstance, options: SettledFastifyOptions): Promise<void> {
  const { settled } = options;
  app.setErrorHandler(errorHandler);
  await app.register(webhookRoute, { intake: settled.intake, bodyLimitBytes: WEBHOOK_BODY_LIMIT_BYTES });
  await app.register(async (scope) => {
    await scope.register(formBody, { parser: (body) => qs.parse(body, FORM_PARSE_OPTIONS) });
    await scope.register(apiRoutes, { checkout: settled.checkout, access: settled.access, store: settled.store, verify: (target) => settled.verify(target) });
  });
  if (servesAccessPage(settled.access)) {
    app.get<{ Params: { token: string } }>('/access/:token', async (request, reply) => {
      const page = accessPage(await openAccess(settled.access, request.params.token));
      return reply.status(page.status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page.html);
    });
    const stylesheet = loadAssets().get('settled.css');
    if (stylesheet) app.get('/assets/settled.css', async (_request, reply) => reply.type(stylesheet.type).header('cache-control', 'public, max-age=300').send(stylesheet.body));
  }
}
