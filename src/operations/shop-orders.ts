import { createHash } from 'node:crypto';
import { DEFAULTS } from '../defaults.js';
import { totalLines } from '../domain/order-lines.js';
import { notificationBody, notifiedOrder, type NotificationBody, type NotifiedOrder, type StatusNoticePayload } from '../domain/order-notices.js';
import type { OrderLine } from '../domain/order.js';
import { startCheckout, type CheckoutDeps, type CheckoutRefusal } from './checkout.js';
import type { Store } from '../store/types.js';

/** An order as the shop's backend asks for it through the sidecar API: it priced the lines itself. */
export interface ShopOrderRequest {
  readonly lines: readonly {
    readonly name: string;
    readonly unitAmount: number;
    readonly currency: string;
    readonly quantity: number;
    readonly sku?: string | undefined;
    readonly metadata?: Readonly<Record<string, string>> | undefined;
  }[];
  readonly email?: string | undefined;
  /** A hosted Checkout Session (answer: its URL) or a PaymentIntent for the shop's own payment form (its client secret). */
  readonly mode: 'checkout_session' | 'payment_intent';
  /** Where the hosted Checkout sends the buyer back (checkout_session only); settled's /success and /cancel otherwise. */
  readonly successUrl?: string | undefined;
  readonly cancelUrl?: string | undefined;
}

export type ShopOrderCreated =
  | { readonly kind: 'created'; readonly order: NotifiedOrder; readonly checkoutUrl: string }
  | { readonly kind: 'created'; readonly order: NotifiedOrder; readonly clientSecret: string };

/** What answering once per Idempotency-Key found, when it did not answer this time itself. */
export type IdempotencyRefusal = { readonly kind: 'idempotency_mismatch' } | { readonly kind: 'idempotency_in_use' };

/** The shop's lines as order lines: a line without a sku is named by its place. */
function orderLines(request: ShopOrderRequest): OrderLine[] {
  return request.lines.map((line, index) => ({
    sku: line.sku ?? `line-${index + 1}`,
    name: line.name,
    quantity: line.quantity,
    unitAmount: line.unitAmount,
    currency: line.currency,
    ...(line.metadata === undefined ? {} : { metadata: line.metadata }),
  }));
}

/** Creates the order with the buyer API's own checkout code, from the lines the shop's backend priced. */
export async function createShopOrder(deps: CheckoutDeps, request: ShopOrderRequest): Promise<ShopOrderCreated | CheckoutRefusal> {
  const priced = totalLines(orderLines(request));
  if (priced.kind === 'rejected') return priced;
  const returnUrls = { successUrl: request.successUrl, cancelUrl: request.cancelUrl };
  const started = await startCheckout(deps, { priced, email: request.email, returnUrls }, request.mode);
  if (started.kind === 'rejected') return started;
  const order = await deps.store.orders.get(started.orderId);
  if (order === undefined) throw new Error(`order ${started.orderId} vanished after it was created`);
  const view = notifiedOrder(order, order);
  return 'checkoutUrl' in started ? { kind: 'created', order: view, checkoutUrl: started.checkoutUrl } : { kind: 'created', order: view, clientSecret: started.clientSecret };
}

/**
 * Runs `create` at most once per Idempotency-Key: a retry with the same body gets the first answer (kept in the
 * store, so across restarts and processes), another body under the key is refused. A failure gives the key back.
 */
export async function createShopOrderOnce(
  deps: CheckoutDeps,
  input: { readonly idempotencyKey: string; readonly request: ShopOrderRequest },
): Promise<ShopOrderCreated | CheckoutRefusal | IdempotencyRefusal> {
  const { idempotencyKeys } = deps.store;
  const requestHash = createHash('sha256').update(JSON.stringify(input.request)).digest('hex');
  const key = input.idempotencyKey;
  const reservation = await idempotencyKeys.reserve({ key, requestHash, now: deps.now(), leaseMs: DEFAULTS.apiIdempotencyLeaseMs });
  if (reservation.kind === 'answered') return JSON.parse(reservation.body) as ShopOrderCreated | CheckoutRefusal;
  if (reservation.kind === 'mismatch') return { kind: 'idempotency_mismatch' };
  if (reservation.kind === 'in_progress') return { kind: 'idempotency_in_use' };
  let result: ShopOrderCreated | CheckoutRefusal;
  try {
    result = await createShopOrder(deps, input.request);
  } catch (error) {
    await idempotencyKeys.release({ key }).catch(() => undefined);
    throw error;
  }
  await idempotencyKeys.finish({ key, status: result.kind === 'created' ? 201 : 400, body: JSON.stringify(result) });
  return result;
}

/** An order as the sidecar API shows it; undefined for an unknown id. */
export async function shopOrder(store: Pick<Store, 'orders'>, orderId: string): Promise<NotifiedOrder | undefined> {
  const order = await store.orders.get(orderId);
  return order === undefined ? undefined : notifiedOrder(order, order);
}

/** The notifications after a cursor (a notification id, or none for the first), oldest first: the pull half of notify. */
export async function notificationsAfter(
  store: Pick<Store, 'notifications'>,
  input: { readonly after: number; readonly limit?: number; readonly now: number },
): Promise<{ readonly data: NotificationBody[]; readonly hasMore: boolean }> {
  const limit = input.limit ?? DEFAULTS.notify.eventsPageSize;
  const rows = await store.notifications.notificationsAfter({ afterId: input.after, limit: limit + 1, now: input.now, settleMs: DEFAULTS.notify.pullSettleMs });
  const data = rows.slice(0, limit).map((row) => notificationBody(row.outboxId, JSON.parse(row.payload) as StatusNoticePayload));
  return { data, hasMore: rows.length > limit };
}
