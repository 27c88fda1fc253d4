import type { OrderRequest, PricedOrder, PriceRejection } from './catalog.js';
import type { OrderLine } from './order.js';
import { MAX_LINE_QUANTITY, totalLines } from './order-lines.js';

/** What a price source says one sku costs (its name, unit amount and currency; the Stripe Price, if it is one). */
export interface PriceQuote {
  readonly name: string;
  /** Minor units of `currency`, integer. */
  readonly unitAmount: number;
  readonly currency: string;
  readonly stripePrice?: string | undefined;
}

/**
 * A buyer's request priced by `quoteFor` only (the request carries no prices). Repeated skus are merged into one
 * line (quantities added, first position kept) because a cart that lists an item twice means "two of it"; the
 * merged quantity must still be within 1..99.
 */
export function priceRequest(request: OrderRequest, quoteFor: (sku: string) => PriceQuote | undefined): PricedOrder {
  const merged = mergeRequest(request);
  if (!(merged instanceof Map)) return merged;
  const lines: OrderLine[] = [];
  for (const [sku, quantity] of merged) {
    const quote = quoteFor(sku);
    if (quote === undefined) return reject('unknown_sku', `There is no item "${sku}" in the catalog.`);
    lines.push({ sku, name: quote.name, quantity, unitAmount: quote.unitAmount, currency: quote.currency, ...(quote.stripePrice ? { stripePrice: quote.stripePrice } : {}) });
  }
  return totalLines(lines);
}

/** The request's skus with their merged quantities, or why the request is refused before anything is priced. */
export function mergeRequest(request: OrderRequest): Map<string, number> | Extract<PricedOrder, { kind: 'rejected' }> {
  if (request.items.length === 0) return reject('empty_order', 'The order has no items; add at least one.');
  const quantities = new Map<string, number>();
  for (const { sku, quantity } of request.items) {
    if (!isQuantity(quantity)) return reject('bad_quantity', `The quantity of "${sku}" must be a whole number from 1 to ${MAX_LINE_QUANTITY}.`);
    quantities.set(sku, (quantities.get(sku) ?? 0) + quantity);
  }
  for (const [sku, quantity] of quantities) {
    if (quantity > MAX_LINE_QUANTITY) return reject('bad_quantity', `"${sku}" appears ${quantity} times in total; at most ${MAX_LINE_QUANTITY} per item.`);
  }
  return quantities;
}

function isQuantity(quantity: number): boolean {
  return Number.isInteger(quantity) && quantity >= 1 && quantity <= MAX_LINE_QUANTITY;
}

function reject(code: PriceRejection, message: string): Extract<PricedOrder, { kind: 'rejected' }> {
  return { kind: 'rejected', code, message };
}
