import type { FastifyInstance } from 'fastify';
import { StoreUnavailableError, type WebhookIntake } from '../ingest/webhook.js';

export interface WebhookRouteOptions {
  readonly intake: WebhookIntake;
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

  app.post('/api/webhooks/stripe', async (request, reply) => {
    const rawBody = request.body instanceof Buffer ? request.body : Buffer.alloc(0);
    const header = request.headers['stripe-signature'];
    try {
      const result = await options.intake({ rawBody, signatureHeader: Array.isArray(header) ? header.join(',') : header, sourceAddress: request.ip });
      if (result.kind === 'rejected') {
        request.log.warn({ reason: result.code }, 'webhook rejected');
        return reply.status(result.code === 'source_not_allowed' ? 403 : 400).send({ error: { code: result.code, message: result.message } });
      }
      request.log.info({ eventId: result.eventId, type: result.eventType, duplicate: result.duplicate }, 'webhook stored');
      return reply.status(200).send({ received: true, duplicate: result.duplicate });
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      // Not acknowledged: Stripe keeps the event and retries it, so nothing is lost.
      request.log.error({ err: String(error.cause) }, 'webhook not stored: store unavailable');
      return reply.status(503).send({ error: { code: 'store_unavailable', message: 'The event could not be stored; Stripe will retry it.' } });
    }
  });
}
