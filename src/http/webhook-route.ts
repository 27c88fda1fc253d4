import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IntakeResult, RejectionCounter, WebhookIntake } from '../ingest/webhook.js';

export interface WebhookRouteOptions {
  readonly intake: WebhookIntake;
  /** Counts a refused request against its client address (see limitRejections). */
  readonly countRejection?: (request: FastifyRequest) => RejectionCounter;
  /** Stripe events are a few KB; anything far larger is not one. */
  readonly bodyLimitBytes: number;
}

/**
 * The webhook needs the exact bytes Stripe signed, so this scope replaces every body parser with one that
 * keeps the raw Buffer, and only for application/json.
 */
export async function webhookRoute(app: FastifyInstance, options: WebhookRouteOptions): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: options.bodyLimitBytes }, (_request, rawBody, done) => {
    done(null, rawBody);
  });

  // Only Stripe's servers read these answers: no browser policies (see securityHeaders).
  app.post('/api/webhooks/stripe', { config: { browserHeaders: false } }, async (request, reply) => {
    const rawBody = request.body instanceof Buffer ? request.body : Buffer.alloc(0);
    const header = request.headers['stripe-signature'];
    // A store failure throws StoreUnavailableError: the error handler answers 503 and Stripe retries.
    const result = await options.intake({
      rawBody,
      signatureHeader: Array.isArray(header) ? header.join(',') : header,
      sourceAddress: request.ip,
      countRejection: options.countRejection?.(request),
    });
    if (result.kind === 'rejected') request.log.warn({ reason: result.code }, 'webhook rejected');
    else if (result.kind === 'rate_limited') request.log.warn({ reason: result.reason, rateLimited: true }, 'webhook rejected');
    else request.log.info({ eventId: result.eventId, type: result.eventType, duplicate: result.duplicate }, 'webhook stored');
    const answer = webhookAnswer(result);
    return reply.status(answer.status).headers(answer.headers).send(answer.body);
  });
}

/**
 * What Stripe is told about a delivery: 200 once stored (or already stored), 4xx for what it should not resend,
 * 429 with Retry-After to an address past its limit of refused requests.
 */
export function webhookAnswer(result: IntakeResult): { status: number; body: unknown; headers: Record<string, string> } {
  if (result.kind === 'stored') return { status: 200, body: { received: true, duplicate: result.duplicate }, headers: {} };
  if (result.kind === 'rate_limited') {
    return { status: 429, body: { error: { code: 'rate_limited', message: result.message } }, headers: { 'retry-after': String(result.retryAfterSeconds) } };
  }
  return { status: result.code === 'source_not_allowed' ? 403 : 400, body: { error: { code: result.code, message: result.message } }, headers: {} };
}
