import { formatMoney } from '../domain/money.js';
import type { OrderTerms } from '../domain/order.js';
import type { ConfirmationMessage } from './sender.js';

export interface ConfirmationInput {
  readonly order: Pick<OrderTerms, 'id' | 'lines' | 'total' | 'email'>;
  readonly accessToken: string;
  /** Where buyers reach this app, e.g. https://shop.example (a trailing slash is tolerated). */
  readonly publicUrl: string;
}

/** The buyer's confirmation: order id, each line, the total and the access link. Pure, so it is easy to test. */
export function buildConfirmation({ order, accessToken, publicUrl }: ConfirmationInput): ConfirmationMessage {
  const accessUrl = `${publicUrl.replace(/\/+$/, '')}/access/${encodeURIComponent(accessToken)}`;
  const lines = order.lines.map(
    (line) => `  ${line.quantity} × ${line.name} (${formatMoney({ amount: line.unitAmount, currency: line.currency })} each)`,
  );
  const text = [
    'Thank you for your order.',
    '',
    `Order: ${order.id}`,
    ...lines,
    `Total: ${formatMoney(order.total)}`,
    '',
    'Your purchase is available here:',
    accessUrl,
    '',
    'Keep this link private: anyone who has it can open your purchase.',
    '',
  ].join('\n');
  return { orderId: order.id, to: order.email, subject: `Your order ${order.id} is confirmed`, text };
}
