import { formatMoney } from '../domain/money.js';
import type { OrderTerms } from '../domain/order.js';
import type { ConfirmationMessage } from './sender.js';

export type ConfirmationInput = { readonly order: Pick<OrderTerms, 'id' | 'lines' | 'total' | 'email'> } & (
  /** The access link itself, or none when the shop delivers by itself. */
  | { readonly accessUrl: string | undefined }
  /** settled's /access/<token> page under publicUrl (e.g. https://shop.example; a trailing slash is tolerated). */
  | { readonly accessToken: string; readonly publicUrl: string }
);

function accessUrlOf(input: ConfirmationInput): string | undefined {
  if ('accessUrl' in input) return input.accessUrl;
  return `${input.publicUrl.replace(/\/+$/, '')}/access/${encodeURIComponent(input.accessToken)}`;
}

/** The buyer's confirmation: order id, each line, the total and the access link if any. Pure, so it is easy to test. */
export function buildConfirmation(input: ConfirmationInput): ConfirmationMessage {
  const { order } = input;
  const accessUrl = accessUrlOf(input);
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
    ...(accessUrl === undefined
      ? []
      : ['Your purchase is available here:', accessUrl, '', 'Keep this link private: anyone who has it can open your purchase.', '']),
  ].join('\n');
  return { orderId: order.id, to: order.email, subject: `Your order ${order.id} is confirmed`, text };
}
