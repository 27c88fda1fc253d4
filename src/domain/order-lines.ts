import type { PricedOrder, PriceRejection } from './catalog.js';
import { MAX_CHARGE_AMOUNT, isCurrencyCode } from './money.js';
import type { OrderLine } from './order.js';

export const MAX_LINE_QUANTITY = 99;
/** A Checkout Session takes at most 100 line items. */
export const MAX_ORDER_LINES = 100;

/**
 * The rules every order's lines obey, wherever their prices came from (the catalog, or the shop's backend through
 * the sidecar API): whole minor units, one currency, quantities in range, a total Stripe can charge at once.
 */
export function totalLines(lines: readonly OrderLine[]): PricedOrder {
  if (lines.length === 0) return reject('empty_order', 'The order has no items; add at least one.');
  if (lines.length > MAX_ORDER_LINES) return reject('too_many_lines', `An order has at most ${MAX_ORDER_LINES} lines; split it.`);
  for (const line of lines) {
    if (!Number.isSafeInteger(line.unitAmount) || line.unitAmount <= 0 || line.unitAmount > MAX_CHARGE_AMOUNT) {
      return reject('bad_amount', `The unit amount of "${line.name}" must be a whole number of minor units from 1 to ${MAX_CHARGE_AMOUNT} (1999 for $19.99).`);
    }
    if (!isCurrencyCode(line.currency)) return reject('bad_currency', `The currency of "${line.name}" must be a lowercase ISO 4217 code such as "usd".`);
    if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > MAX_LINE_QUANTITY) {
      return reject('bad_quantity', `The quantity of "${line.name}" must be a whole number from 1 to ${MAX_LINE_QUANTITY}.`);
    }
  }
  const currency = lines[0]?.currency ?? '';
  if (lines.some((line) => line.currency !== currency)) {
    return reject('mixed_currencies', 'All items of one order must be priced in the same currency; place separate orders.');
  }
  let amount = 0;
  for (const line of lines) amount += line.unitAmount * line.quantity;
  if (!Number.isSafeInteger(amount) || amount > MAX_CHARGE_AMOUNT) {
    return reject('amount_too_large', `The total exceeds ${MAX_CHARGE_AMOUNT} minor units, the most Stripe charges at once; split the order.`);
  }
  return { kind: 'priced', lines: [...lines], total: { amount, currency } };
}

function reject(code: PriceRejection, message: string): PricedOrder {
  return { kind: 'rejected', code, message };
}
