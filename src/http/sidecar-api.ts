import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ORDER_ID, type CheckoutDeps } from '../operations/checkout.js';
import { MAX_ORDER_LINES } from '../domain/order-lines.js';
import { createShopOrder, createShopOrderOnce, notificationsAfter, shopOrder, type ShopOrderCreated } from '../operations/shop-orders.js';
import { HttpError } from './errors.js';

export interface SidecarApiOptions {
  readonly checkout: CheckoutDeps;
  /** SETTLED_API_KEYS: several during rotation. Empty: every request is refused, saying how to turn the API on. */
  readonly apiKeys: readonly string[];
}

// As Stripe takes success_url: absolute, http(s), kept exactly as sent so that {CHECKOUT_SESSION_ID} reaches Stripe.
const returnUrl = z
  .url({ protocol: /^https?$/, error: 'must be an absolute http:// or https:// URL, e.g. https://shop.example/thanks?session_id={CHECKOUT_SESSION_ID}' })
  .max(5000);

// Strict: a misspelt field ("unit_amount") is named, not dropped. Amounts are checked again, with their codes, by
// domain/order-lines (fractional amounts, mixed currencies, quantities, the total).
const orderBody = z.strictObject({
  lines: z
    .array(
      z.strictObject({
        name: z.string().trim().min(1).max(200),
        unitAmount: z.number(),
        currency: z.string(),
        quantity: z.number(),
        sku: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1–64 letters, digits, ".", "_" or "-"').optional(),
        metadata: z.record(z.string().max(40), z.string().max(500)).refine((m) => Object.keys(m).length <= 20, 'at most 20 keys').optional(),
      }),
    )
    .max(MAX_ORDER_LINES),
  email: z.email().max(320).optional(),
  mode: z.enum(['checkout_session', 'payment_intent']),
  successUrl: returnUrl.optional(),
  cancelUrl: returnUrl.optional(),
});

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
const CURSOR = /^ntf_(\d{1,15})$/;
const LIMIT = /^\d{1,3}$/;

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** Compares the presented key with every configured one in constant time (digests of equal length, every key tried). */
function authenticate(request: FastifyRequest, digests: readonly Buffer[]): void {
  if (digests.length === 0) throw new HttpError(401, 'api_disabled', 'The sidecar API is off: set SETTLED_API_KEYS to one or more keys and send one as Authorization: Bearer <key>.');
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer ([\x21-\x7e]+)$/.exec(header.trim()) : null;
  if (!match?.[1]) throw new HttpError(401, 'missing_api_key', 'Send an API key from SETTLED_API_KEYS as Authorization: Bearer <key>.');
  const presented = digest(match[1]);
  let matched = false;
  for (const known of digests) if (timingSafeEqual(presented, known)) matched = true;
  if (!matched) throw new HttpError(401, 'invalid_api_key', 'The API key is not one of SETTLED_API_KEYS. Check the key your backend sends.');
}

function createdBody(created: ShopOrderCreated): unknown {
  return 'checkoutUrl' in created ? { order: created.order, checkoutUrl: created.checkoutUrl } : { order: created.order, clientSecret: created.clientSecret };
}

/** The server-to-server API under /api/v1/ (sidecar mode): the shop's backend creates orders and reads their changes. */
export async function sidecarApiRoutes(app: FastifyInstance, options: SidecarApiOptions): Promise<void> {
  const digests = options.apiKeys.map(digest);
  app.addHook('onRequest', async (request) => authenticate(request, digests));

  app.post('/api/v1/orders', async (request, reply) => {
    const body = orderBody.parse(request.body);
    const key = request.headers['idempotency-key'];
    if (key !== undefined && (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key))) {
      throw new HttpError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1 to 255 visible ASCII characters, such as a UUID.');
    }
    const result = key === undefined ? await createShopOrder(options.checkout, body) : await createShopOrderOnce(options.checkout, { idempotencyKey: key, request: body });
    if (result.kind === 'idempotency_mismatch') {
      throw new HttpError(422, 'idempotency_key_reused', 'This Idempotency-Key was used with another request body; use a new key for a new order.');
    }
    if (result.kind === 'idempotency_in_use') {
      throw new HttpError(409, 'idempotency_key_in_use', 'A request with this Idempotency-Key is still being answered; retry in a few seconds.');
    }
    if (result.kind === 'rejected') throw new HttpError(400, result.code, result.message);
    return reply.status(201).send(createdBody(result));
  });

  app.get<{ Params: { orderId: string } }>('/api/v1/orders/:orderId', async (request) => {
    const order = ORDER_ID.test(request.params.orderId) ? await shopOrder(options.checkout.store, request.params.orderId) : undefined;
    if (order === undefined) throw new HttpError(404, 'order_not_found', 'No order has that id.');
    return { order };
  });

  app.get<{ Querystring: { after?: string; limit?: string } }>('/api/v1/events', async (request) => {
    const { after, limit } = request.query;
    const cursor = after === undefined || after === '' ? 0 : Number(CURSOR.exec(after)?.[1] ?? Number.NaN);
    if (Number.isNaN(cursor)) throw new HttpError(400, 'invalid_cursor', 'after must be the id of a notification (ntf_…), or absent to start from the first.');
    const pageSize = limit === undefined ? undefined : LIMIT.test(limit) && Number(limit) >= 1 && Number(limit) <= 100 ? Number(limit) : Number.NaN;
    if (Number.isNaN(pageSize)) throw new HttpError(400, 'invalid_limit', 'limit must be a whole number from 1 to 100.');
    const page = await notificationsAfter(options.checkout.store, { after: cursor, limit: pageSize, now: options.checkout.now() });
    return { data: page.data, hasMore: page.hasMore, nextCursor: page.data.at(-1)?.id ?? after ?? null };
  });
}
