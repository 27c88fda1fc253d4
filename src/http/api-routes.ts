import type { FastifyInstance } from 'fastify';
import { BUYER_ROUTES, type BuyerApiParts } from './buyer-api.js';

export type ApiRouteOptions = BuyerApiParts;

/** The buyer API on Fastify: each route of BUYER_ROUTES, its answer written as Fastify writes it. */
export async function apiRoutes(app: FastifyInstance, options: ApiRouteOptions): Promise<void> {
  for (const route of BUYER_ROUTES) {
    app.route<{ Params: { orderId?: string } }>({
      method: route.method,
      url: route.path,
      handler: async (request, reply) => {
        const answer = await route.operation(options, { contentType: request.headers['content-type'], body: request.body, params: request.params });
        if ('location' in answer) return reply.redirect(answer.location, 303);
        return reply.status(answer.status).send(answer.body);
      },
    });
  }
}
