import { failureKind } from '../errors/index.js';
import { knownPaymentIntent, planRefund } from '../domain/refund-policy.js';
import type { Store } from '../store/types.js';
import type { StripeGateway } from '../stripe/gateway.js';

export interface RefundDeps {
  readonly store: Pick<Store, 'orders' | 'orderActivity'>;
  readonly gateway: Pick<StripeGateway, 'refund' | 'retrieveCheckoutSession'>;
  readonly now: () => number;
}

export type RefundOutcome =
  | { readonly kind: 'requested'; readonly refundId: string; readonly amount: number; readonly currency: string; readonly status: string }
  | { readonly kind: 'refused'; readonly code: 'order_not_found' | 'not_refundable' | 'bad_amount' | 'no_payment'; readonly message: string }
  /** Stripe said no (a refusal, not an outage): sending the same request again changes nothing. */
  | { readonly kind: 'stripe_refused'; readonly message: string; readonly error: unknown }
  /** Stripe could not be reached or did not answer: the refund may or may not exist; the same request again is safe. */
  | { readonly kind: 'unconfirmed'; readonly error: unknown };

/** The order's PaymentIntent: from the order and its facts, else from its Checkout Session at Stripe. */
async function paymentIntentOf(deps: RefundDeps, orderId: string): Promise<string | null> {
  const order = await deps.store.orders.get(orderId);
  if (order === undefined) return null;
  const known = knownPaymentIntent(order, await deps.store.orders.facts(orderId));
  if (known !== null || order.checkoutSessionId === null) return known;
  const session = await deps.gateway.retrieveCheckoutSession(order.checkoutSessionId);
  return typeof session.payment_intent === 'string' ? session.payment_intent : (session.payment_intent?.id ?? null);
}

function failed(error: unknown): RefundOutcome {
  const kind = failureKind(error);
  if (kind === 'stripe_unavailable') return { kind: 'unconfirmed', error };
  if (kind === 'stripe_refused') return { kind: 'stripe_refused', message: error instanceof Error ? error.message : String(error), error };
  throw error;
}

/**
 * An operator's refund, however it is asked for (dashboard, CLI): one rule for what may be refunded and how much,
 * one idempotency key. The order changes only when Stripe's charge.refunded is processed, never here; the request is
 * recorded, so that until then the order's detail says a refund is on its way.
 */
export async function requestRefund(deps: RefundDeps, input: { readonly orderId: string; readonly amount?: number | undefined }): Promise<RefundOutcome> {
  const order = await deps.store.orders.get(input.orderId);
  if (order === undefined) return { kind: 'refused', code: 'order_not_found', message: `No order ${input.orderId}.` };
  const plan = planRefund(order, input.amount);
  if (plan.kind === 'refused') return plan;
  try {
    const paymentIntentId = await paymentIntentOf(deps, order.id);
    if (paymentIntentId === null) return { kind: 'refused', code: 'no_payment', message: `Order ${order.id} has no payment at Stripe to refund.` };
    // The amount is always sent: Stripe refuses a key reused with other parameters, and "the rest" is the same refund.
    const refund = await deps.gateway.refund({ paymentIntentId, amount: plan.amount, idempotencyKey: plan.idempotencyKey });
    const status = refund.status ?? 'pending';
    // What the dashboard and `settled orders show` read as "requested, waiting for Stripe" until charge.refunded.
    await deps.store.orderActivity.recordRefundRequest({
      refundId: refund.id,
      orderId: order.id,
      amount: refund.amount,
      currency: refund.currency,
      refundedBefore: order.amountRefunded,
      status,
      requestedAt: deps.now(),
    });
    return { kind: 'requested', refundId: refund.id, amount: refund.amount, currency: refund.currency, status };
  } catch (error) {
    return failed(error);
  }
}
