import formBody from '@fastify/formbody';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Registry } from 'prom-client';
import qs from 'qs';
import type { AccessDeps } from '../operations/access.js';
import type { CheckoutDeps } from '../operations/checkout.js';
import type { VerifyResult, VerifyTarget } from '../operations/verify.js';
import type { WebhookIntake } from '../ingest/webhook.js';
import type { Store } from '../store/types.js';
import { adminRoutes, type AdminRouteOptions } from './admin/routes.js';
import { BUYER_BODY_LIMIT_BYTES, FORM_PARSE_OPTIONS, WEBHOOK_BODY_LIMIT_BYTES } from './api-requests.js';
import { apiRoutes } from './api-routes.js';
import { errorHandler, frameworkErrorHandler, refuseWhileShuttingDown } from './errors.js';
import { healthRoutes, type HealthOptions } from './health-routes.js';
import { metricsRoute } from './metrics-route.js';
import { pageRoutes } from './pages.js';
import { RequestLogController } from './request-logging.js';
import { sidecarApiRoutes, type SidecarApiOptions } from './sidecar-api.js';
import { DEFAULT_RATE_LIMITS, limitRejections, limitRequests, securityHeaders, type RateLimits } from './security.js';
import { webhookRoute } from './webhook-route.js';

export interface AppOptions {
  readonly checkout: CheckoutDeps;
  readonly access: AccessDeps;
  readonly store: Store;
  readonly publicUrl: () => string;
  readonly intake: WebhookIntake;
  readonly verify: (target: VerifyTarget) => Promise<VerifyResult>;
  readonly logger: FastifyBaseLogger;
  readonly webhookBodyLimitBytes?: number;
  readonly trustProxy?: boolean;
  readonly rateLimits?: RateLimits;
  /** The operator dashboard under /admin; without it /admin is not served. */
  readonly admin?: AdminRouteOptions;
  /** /healthz and /readyz, outside every rate limit. */
  readonly health?: HealthOptions;
  /** The server-to-server API under /api/v1/ (sidecar mode). */
  readonly sidecar?: SidecarApiOptions;
  /** Served as GET /metrics in Prometheus text format. */
  readonly metrics?: Registry;
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger,
    logController: new RequestLogController(),
    trustProxy: options.trustProxy ?? false,
    bodyLimit: BUYER_BODY_LIMIT_BYTES,
    // Malformed URLs are refused by the router before any handler; they still get our error shape.
    frameworkErrors: (error, _request, reply) => frameworkErrorHandler(error, reply as FastifyReply),
    // Requests still arriving on open connections during close get our error shape from the hook below.
    return503OnClosing: false,
  });
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onRequest', (_request, reply, done) => {
    if (!closing) {
      done();
      return;
    }
    refuseWhileShuttingDown(reply);
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((_request, reply) => {
    void reply.status(404).send({ error: { code: 'not_found', message: 'There is nothing at this address.' } });
  });

  const limits = options.rateLimits ?? DEFAULT_RATE_LIMITS;
  await securityHeaders(app);
  if (options.health) await app.register(healthRoutes, options.health);
  if (options.metrics) await app.register(metricsRoute, { registry: options.metrics });
  await app.register(async (scope) => {
    // Its own prefix: the counters of processes that limited every webhook request (':webhook:') mean something else.
    const countRejection = await limitRejections(scope, limits.webhookRejectedPerMinute, {
      redis: limits.redis,
      prefix: `${limits.redisPrefix ?? 'settled'}:webhook-rejected:`,
    });
    await scope.register(webhookRoute, { intake: options.intake, bodyLimitBytes: options.webhookBodyLimitBytes ?? WEBHOOK_BODY_LIMIT_BYTES, countRejection });
  });
  await app.register(async (scope) => {
    await limitRequests(scope, limits.buyerPerMinute, { redis: limits.redis, prefix: `${limits.redisPrefix ?? 'settled'}:buyer:` });
    await scope.register(formBody, { parser: (body) => qs.parse(body, FORM_PARSE_OPTIONS) });
    await scope.register(apiRoutes, { checkout: options.checkout, access: options.access, store: options.store, verify: options.verify });
    await scope.register(pageRoutes, { access: options.access, store: options.store, verify: options.verify });
  });
  // The shop's own backend calls it, authenticated by key: no buyer rate limit, and JSON only.
  const sidecar = options.sidecar;
  if (sidecar) await app.register(async (scope) => scope.register(sidecarApiRoutes, sidecar));
  const admin = options.admin;
  if (admin) {
    await app.register(async (scope) => {
      // Also slows down guessing the admin token.
      await limitRequests(scope, limits.buyerPerMinute, { redis: limits.redis, prefix: `${limits.redisPrefix ?? 'settled'}:admin:` });
      await scope.register(adminRoutes, admin);
    });
  }
  return app;
}
