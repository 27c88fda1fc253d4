import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Catalog } from '../domain/catalog.js';
import { startCheckoutSession, startPaymentIntent, type CheckoutDeps, type CheckoutRequest } from '../checkout/start-checkout.js';
import type { VerifyResult, VerifyTarget } from '../ingest/verify.js';
import type { Store } from '../store/types.js';
import { HttpError } from './errors.js';
import { orderView } from './order-view.js';

export interface ApiRouteOptions {
  readonly catalog: Catalog;
  readonly checkout: CheckoutDeps;
  readonly store: Store;
  readonly publicUrl: () => string;
  readonly verify: (target: VerifyTarget) => Promise<VerifyResult>;
}

const STRIPE_ID = /^[A-Za-z0-9_]{3,255}$/;
const ORDER_ID = /^ord_[A-Za-z0-9_-]{22}$/;

const jsonItem = z.strictObject({
  sku: z.string().min(1).max(64),
  quantity: z.number(),
});
const jsonCheckout = z.strictObject({
  items: z.array(jsonItem).min(1).max(50),
  email: z.email().max(254).optional(),
});
// An HTML form sends strings; the quantity is still checked as an integer by the catalog.
const formCheckout = z.strictObject({
  items: z
    .array(z.strictObject({ sku: z.string().min(1).max(64), quantity: z.string().regex(/^\d{1,6}$/).transform(Number) }))
    .min(1)
    .max(50),
  email: z.union([z.email().max(254), z.literal('').transform(() => undefined)]).optional(),
});

const verifyBody = z.union([
  z.strictObject({ sessionId: z.string().regex(STRIPE_ID, 'must be a Stripe checkout session id') }),
  z.strictObject({ paymentIntentId: z.string().regex(STRIPE_ID, 'must be a Stripe payment intent id') }),
]);

function isForm(request: FastifyRequest): boolean {
  return (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
}

function parseCheckout(request: FastifyRequest): CheckoutRequest {
  const parsed = isForm(request) ? formCheckout.parse(request.body) : jsonCheckout.parse(request.body);
  return { items: parsed.items, email: parsed.email };
}

export async function apiRoutes(app: FastifyInstance, options: ApiRouteOptions): Promise<void> {
  app.get('/api/catalog', async () => ({
    items: options.catalog.items.map((item) => ({ sku: item.sku, name: item.name, unitAmount: item.unitAmount, currency: item.currency })),
  }));

  app.post('/api/checkout', async (request, reply) => {
    const result = await startCheckoutSession(options.checkout, parseCheckout(request));
    if (result.kind === 'rejected') throw new HttpError(400, result.code, result.message);
    if (isForm(request)) return reply.redirect(result.checkoutUrl, 303);
    return reply.status(201).send({ orderId: result.orderId, sessionId: result.sessionId, checkoutUrl: result.checkoutUrl });
  });

  app.post('/api/payment-intents', async (request, reply) => {
    const result = await startPaymentIntent(options.checkout, parseCheckout(request));
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
