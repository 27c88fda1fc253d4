import { isTransientStripeFailure } from '../../stripe/errors.js';
import { OperatorError, withOperatorContext } from './operator.js';

const REFUNDABLE = new Set(['paid', 'partially_refunded']);

export interface RefundCommandOptions {
  readonly amount?: number;
}

/** Stripe's own refusal is passed on as it is; a failure that may pass says what to do about it. */
function unreachable(error: unknown, advice: string): unknown {
  if (!isTransientStripeFailure(error)) return error;
  return new OperatorError(`${error instanceof Error ? error.message : String(error)}. ${advice}`);
}

export async function runRefund(orderId: string, options: RefundCommandOptions): Promise<void> {
  await withOperatorContext({ stripe: 'required', command: 'refund' }, async ({ store, gateway }) => {
    if (gateway === undefined) return;
    const order = await store.orders.get(orderId);
    if (order === undefined) throw new OperatorError(`no order ${orderId}; \`settled orders list\` shows the orders.`);
    if (!REFUNDABLE.has(order.status)) {
      throw new OperatorError(`order ${orderId} is ${order.status}; only paid or partially refunded orders are refunded here.`);
    }
    const refundable = order.total.amount - order.amountRefunded;
    if (options.amount !== undefined && options.amount > refundable) {
      throw new OperatorError(`--amount ${options.amount} is more than the ${refundable} ${order.total.currency} not yet refunded on order ${orderId}.`);
    }
    let paymentIntentId = order.paymentIntentId;
    if (paymentIntentId === null && order.checkoutSessionId !== null) {
      const session = await gateway.retrieveCheckoutSession(order.checkoutSessionId).catch((error: unknown) => {
        throw unreachable(error, 'Nothing was refunded: run the same command again in a few seconds.');
      });
      paymentIntentId = typeof session.payment_intent === 'string' ? session.payment_intent : (session.payment_intent?.id ?? null);
    }
    if (paymentIntentId === null) throw new OperatorError(`order ${orderId} has no payment at Stripe to refund.`);
    const refund = await gateway
      .refund({
        paymentIntentId,
        ...(options.amount === undefined ? {} : { amount: options.amount }),
        idempotencyKey: `settled-refund-${order.id}-${order.amountRefunded}-${options.amount ?? 'rest'}`,
      })
      .catch((error: unknown) => {
        // A refund that timed out may have been made; the same command sends the same key, so it is made once.
        throw unreachable(
          error,
          'It is not known whether Stripe made the refund: run the same command again in a few seconds (it sends the same idempotency key, so Stripe refunds at most once).',
        );
      });
    console.log(`refund ${refund.id}: ${refund.amount} ${refund.currency}, ${refund.status ?? 'requested'}`);
    console.log(`order ${orderId} changes when Stripe's charge.refunded event is processed (\`settled orders show ${orderId}\`).`);
  });
}
