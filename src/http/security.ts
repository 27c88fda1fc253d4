import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import { HttpError } from './errors.js';

export interface RateLimits {
  /** Requests per client address per minute on buyer pages and APIs. */
  readonly buyerPerMinute: number;
  /** Requests per client address per minute on the webhook: generous, Stripe sends bursts. */
  readonly webhookPerMinute: number;
  /** Count in Redis instead of in this process, so that the limits hold across every settled process. */
  readonly redis?: Redis | undefined;
  /** Key prefix in Redis; processes of one deployment share it. */
  readonly redisPrefix?: string | undefined;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { buyerPerMinute: 120, webhookPerMinute: 6000 };

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * false on a route whose answers only servers read (the Stripe webhook): it gets nosniff alone, not the browser
     * policies (CSP, framing, HSTS, cross-origin), which govern how a browser shows a page and cost every request.
     */
    browserHeaders?: boolean;
  }
}

/**
 * Headers for every response. Scripts only from this origin and no framing; no form-action, because the
 * checkout form's redirect goes on to Stripe's hosted page. Helmet builds its middleware from these options
 * once, here; each response only has the headers set (building it per request cost more than the route).
 */
export async function securityHeaders(app: FastifyInstance): Promise<void> {
  const setHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'same-origin' },
    // Only meaningful over HTTPS; harmless otherwise.
    strictTransportSecurity: { maxAge: 15_552_000, includeSubDomains: false },
    crossOriginEmbedderPolicy: false,
  });
  app.addHook('onRequest', (request, reply, done) => {
    if (request.routeOptions.config.browserHeaders === false) {
      reply.raw.setHeader('x-content-type-options', 'nosniff');
      done();
      return;
    }
    setHeaders(request.raw, reply.raw, (error?: unknown) => done(error instanceof Error ? error : undefined));
  });
}

/** A per-address limit for the routes of the scope it is registered in. */
export async function limitRequests(scope: FastifyInstance, perMinute: number, shared: { redis?: Redis | undefined; prefix: string }): Promise<void> {
  await scope.register(rateLimit, {
    max: perMinute,
    timeWindow: 60_000,
    ...(shared.redis ? { redis: shared.redis, nameSpace: shared.prefix } : {}),
    // If Redis is unreachable, serve without a limit rather than turn away buyers and Stripe's deliveries.
    skipOnError: true,
    errorResponseBuilder: (_request, context) =>
      new HttpError(429, 'rate_limited', `Too many requests from this address; try again in ${Math.ceil(context.ttl / 1000)} s.`),
  });
}
