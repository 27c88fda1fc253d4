import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { ORDER_STATUSES } from '../../domain/order.js';
import type { OrdersListOptions } from '../actions/orders.js';
import { positiveInteger } from '../options.js';

function status(value: string): string {
  if (!(ORDER_STATUSES as readonly string[]).includes(value)) throw new InvalidArgumentError(`one of ${ORDER_STATUSES.join(', ')}`);
  return value;
}

export function registerOrders(program: Command): void {
  const command = program.command('orders').description('look at orders: list them, or show one with its event timeline');

  command
    .command('list', { isDefault: true })
    .description('newest first (the default)')
    .option('--status <status>', `only orders in this status (${ORDER_STATUSES.join(', ')})`, status)
    .option('--search <text>', 'match order id, email, session or payment intent id')
    .option('--limit <n>', 'how many to show', positiveInteger, 50)
    .action(async (options: OrdersListOptions) => {
      const { listOrders } = await import('../actions/orders.js');
      await listOrders(options);
    });

  command
    .command('approve')
    .description('approve an order held for review (needs_review): it is fulfilled as if the payment had matched')
    .argument('<orderId>')
    .option('--note <text>', 'why, for the order\'s timeline')
    .action(async (orderId: string, options: { note?: string }) => {
      const { approveOrder } = await import('../actions/orders.js');
      await approveOrder(orderId, options);
    });

  command
    .command('show')
    .description("one order: its terms, state, Stripe objects and the timeline of what reached it")
    .argument('<orderId>')
    .action(async (orderId: string) => {
      const { showOrder } = await import('../actions/orders.js');
      await showOrder(orderId);
    });
}
