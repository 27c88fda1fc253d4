import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

/** Prometheus text format; outside the rate limits like the probes, since scrapers poll steadily. */
export async function metricsRoute(app: FastifyInstance, options: { registry: Registry }): Promise<void> {
  app.get('/metrics', async (_request, reply) => {
    const body = await options.registry.metrics();
    return reply.header('content-type', options.registry.contentType).send(body);
  });
}
