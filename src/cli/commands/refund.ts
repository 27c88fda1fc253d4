import type { Command } from 'commander';
import type { RefundCommandOptions } from '../actions/refund.js';
import { positiveInteger } from '../options.js';

export function registerRefund(program: Command): void {
  program
    .command('refund')
    .description("ask Stripe to refund an order; the order changes when Stripe's charge.refunded event is processed")
    .argument('<orderId>')
    .option('--amount <minor>', 'amount in minor units (cents); default: everything not yet refunded', positiveInteger)
    .addHelpText('after', '\nThe request carries an idempotency key made of the order, what was refunded so far and the amount:\nrunning the same command twice refunds once.')
    .action(async (orderId: string, options: RefundCommandOptions) => {
      const { runRefund } = await import('../actions/refund.js');
      await runRefund(orderId, options);
    });
}
