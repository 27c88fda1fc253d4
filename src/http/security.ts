import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import type { RejectionCounter } from '../ingest/webhook.js';
import { DEFAULTS } from '../defaults.js';
import { HttpError } from './errors.js';

export interface RateLimits {
  /** Requests per client address per minute on buyer pages and APIs. */
  readonly buyerPerMinute: number;
  /**
   * Webhook requests refused (failed verification or not from an allowed address) per client address per minute;
   * past it the refusals are answered 429. A delivery whose signature verifies is never counted nor refused.
   */
  readonly webhookRejectedPerMinute: number;
  /** Count in Redis instead of in this process, so that the limits hold across every settled process. */
  readonly redis?: Redis | undefined;
  /** Key prefix in Redis; processes of one deployment share it. */
  readonly redisPrefix?: string | undefined;
}

export const DEFAULT_RATE_LIMITS: RateLimits = DEFAULTS.rateLimits;

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

/**
 * The webhook's limit counts only what the intake refused: Stripe sends bursts from a few addresses, and a limit on
 * every request would turn those away while it exists to slow down forgers. Nothing is counted until the intake
 * asks, so the plugin is registered without its hook (global: false); the intake asks after verification failed.
 */
export async function limitRejections(
  scope: FastifyInstance,
  perMinute: number,
  shared: { redis?: Redis | undefined; prefix: string },
): Promise<(request: FastifyRequest) => RejectionCounter> {
  await scope.register(rateLimit, {
    global: false,
    max: perMinute,
    timeWindow: 60_000,
    ...(shared.redis ? { redis: shared.redis, nameSpace: shared.prefix } : {}),
    // If Redis is unreachable nothing is counted, so nothing is refused for it.
    skipOnError: true,
  });
  const limiter = scope.createRateLimit();
  return (request) => async () => {
    const counted = await limiter(request);
    if (counted.isAllowed || !counted.isExceeded) return { overLimit: false };
    return { overLimit: true, retryAfterSeconds: Math.max(1, counted.ttlInSeconds) };
  };
}
