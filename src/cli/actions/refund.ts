import { OperatorError, withOperatorContext } from './operator.js';

const REFUNDABLE = new Set(['paid', 'partially_refunded']);

export interface RefundCommandOptions {
  readonly amount?: number;
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
      const session = await gateway.retrieveCheckoutSession(order.checkoutSessionId);
      paymentIntentId = typeof session.payment_intent === 'string' ? session.payment_intent : (session.payment_intent?.id ?? null);
    }
    if (paymentIntentId === null) throw new OperatorError(`order ${orderId} has no payment at Stripe to refund.`);
    const refund = await gateway.refund({
      paymentIntentId,
      ...(options.amount === undefined ? {} : { amount: options.amount }),
      idempotencyKey: `settled-refund-${order.id}-${order.amountRefunded}-${options.amount ?? 'rest'}`,
    });
    console.log(`refund ${refund.id}: ${refund.amount} ${refund.currency}, ${refund.status ?? 'requested'}`);
    console.log(`order ${orderId} changes when Stripe's charge.refunded event is processed (\`settled orders show ${orderId}\`).`);
  });
}
