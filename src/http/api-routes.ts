import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Catalog } from '../domain/catalog.js';
import { startCheckoutSession, startPaymentIntent, type CheckoutDeps } from '../checkout/start-checkout.js';
import type { VerifyResult, VerifyTarget } from '../ingest/verify.js';
import type { Store } from '../store/types.js';
import { ORDER_ID, catalogView, isFormContentType, parseCheckout, verifyBody } from './api-requests.js';
import { HttpError } from './errors.js';
import { orderView } from './order-view.js';

export interface ApiRouteOptions {
  readonly catalog: Catalog;
  readonly checkout: CheckoutDeps;
  readonly store: Store;
  readonly publicUrl: () => string;
  readonly verify: (target: VerifyTarget) => Promise<VerifyResult>;
}

function isForm(request: FastifyRequest): boolean {
  return isFormContentType(request.headers['content-type']);
}

export async function apiRoutes(app: FastifyInstance, options: ApiRouteOptions): Promise<void> {
  app.get('/api/catalog', async () => catalogView(options.catalog));

  app.post('/api/checkout', async (request, reply) => {
    const result = await startCheckoutSession(options.checkout, parseCheckout(request.headers['content-type'], request.body));
    if (result.kind === 'rejected') throw new HttpError(400, result.code, result.message);
    if (isForm(request)) return reply.redirect(result.checkoutUrl, 303);
    return reply.status(201).send({ orderId: result.orderId, sessionId: result.sessionId, checkoutUrl: result.checkoutUrl });
  });

  app.post('/api/payment-intents', async (request, reply) => {
    const result = await startPaymentIntent(options.checkout, parseCheckout(request.headers['content-type'], request.body));
    if (result.kind === 'rejected') throw new HttpError(400, result.code, result.message);
    return reply.status(201).send({ orderId: result.orderId, paymentIntentId: result.paymentIntentId, clientSecret: result.clientSecret });
  });

  app.post('/api/payments/verify', async (request) => {
    const target = verifyBody.parse(request.body);
    const result = await options.verify(target);
    if (result.kind === 'unknown') throw new HttpError(404, 'unknown_payment', result.message);
    return { verified: result.settled, order: orderView(result.order, options.publicUrl()) };
  });

  app.get<{ Params: { orderId: string } }>('/api/orders/:orderId', async (request) => {
    const { orderId } = request.params;
    const order = ORDER_ID.test(orderId) ? await options.store.orders.get(orderId) : undefined;
    if (!order) throw new HttpError(404, 'order_not_found', 'No order has that id.');
    return orderView(order, options.publicUrl());
  });
}
