import { requestRefund } from '../../operations/refund.js';
import { OperatorError, withOperatorContext } from './operator.js';

export interface RefundCommandOptions {
  readonly amount?: number;
}

const FIND_ORDERS = '`settled orders list` shows the orders.';

export async function runRefund(orderId: string, options: RefundCommandOptions): Promise<void> {
  await withOperatorContext({ stripe: 'required', command: 'refund' }, async ({ store, gateway }) => {
    if (gateway === undefined) return;
    const outcome = await requestRefund({ store, gateway, now: Date.now }, { orderId, amount: options.amount });
    switch (outcome.kind) {
      case 'refused':
        if (outcome.code === 'order_not_found') throw new OperatorError(`no order ${orderId}; ${FIND_ORDERS}`);
        throw new OperatorError(outcome.code === 'bad_amount' ? `--amount ${outcome.message}` : outcome.message);
      case 'stripe_refused':
        throw new OperatorError(`Stripe refused the refund: ${outcome.message}`);
      case 'unconfirmed':
        // A refund that timed out may have been made; the same command sends the same key, so it is made once.
        throw new OperatorError(
          `${outcome.error instanceof Error ? outcome.error.message : String(outcome.error)}. It is not known whether Stripe made the refund: run the same command again in a few seconds (it sends the same idempotency key, so Stripe refunds at most once).`,
        );
      case 'requested':
        console.log(`refund ${outcome.refundId}: ${outcome.amount} ${outcome.currency}, ${outcome.status}`);
        console.log(`order ${orderId} changes when Stripe's charge.refunded event is processed (\`settled orders show ${orderId}\`).`);
    }
  });
}
