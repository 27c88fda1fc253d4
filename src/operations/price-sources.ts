import { readFile } from 'node:fs/promises';
import { DEFAULTS } from '../defaults.js';
import { CatalogError, parseCatalogText, priceOrder, type Catalog, type OrderRequest, type PricedOrder } from '../domain/catalog.js';
import { totalLines } from '../domain/order-lines.js';
import { mergeRequest, priceRequest } from '../domain/pricing.js';
import type { OrderLine } from '../domain/order.js';
import type { StripeGateway } from '../stripe/gateway.js';
import { StripePriceCatalog } from '../stripe/price-catalog.js';

/**
 * Where an order's prices come from: always the server, never the request. Each source turns a buyer's skus and
 * quantities into priced lines (checked by the one rule in domain/pricing.ts) or a refusal with a code.
 */
export interface PriceSource {
  price(request: OrderRequest): Promise<PricedOrder>;
  /** The items a storefront may list (GET /api/catalog, the demo storefront), when the source has a fixed list. */
  readonly listing?: Catalog | undefined;
}

/** What the shop's own pricing function answers for the skus it was asked about. */
export type ShopPriceAnswer =
  | { readonly items: readonly { readonly sku: string; readonly name: string; readonly unitAmount: number; readonly currency: string }[] }
  | { readonly refuse: { readonly code: string; readonly message: string } };

/**
 * The shop's pricing function: called for every order with the requested skus (merged) and their quantities; it
 * prices each sku it sells (from its database, say), leaves out the ones it does not know, or refuses the order.
 */
export type ShopPricing = (items: readonly { readonly sku: string; readonly quantity: number }[]) => Promise<ShopPriceAnswer> | ShopPriceAnswer;

// Refusals of the lines that are the buyer's order's doing, not the pricing function's: they are answered 400.
const BUYERS_TO_SPLIT = new Set(['mixed_currencies', 'amount_too_large', 'too_many_lines']);

/** A refusal code the buyer API can answer with: lower case, digits and underscores. */
const REFUSAL_CODE = /^[a-z][a-z0-9_]{1,63}$/;

/** The shop's pricing function answered something settled cannot charge: a bug on the shop's side, answered 500. */
export class ShopPricingError extends Error {
  constructor(message: string) {
    super(`The catalog function's answer cannot be used: ${message}`);
    this.name = 'ShopPricingError';
  }
}

export function staticCatalogSource(catalog: Catalog): PriceSource {
  return { listing: catalog, price: async (request) => priceOrder(catalog, request) };
}

export function shopPricingSource(pricing: ShopPricing): PriceSource {
  return {
    async price(request) {
      const merged = mergeRequest(request);
      if (!(merged instanceof Map)) return merged;
      const answer = await pricing([...merged].map(([sku, quantity]) => ({ sku, quantity })));
      if ('refuse' in answer) {
        const { code, message } = answer.refuse;
        if (!REFUSAL_CODE.test(code)) throw new ShopPricingError(`refusal code "${code}" must be lower case letters, digits and "_" (such as "out_of_stock")`);
        return { kind: 'rejected', code, message: typeof message === 'string' && message.length > 0 ? message : 'The shop refused this order.' };
      }
      const quotes = new Map(answer.items.map((item) => [item.sku, item]));
      const lines: OrderLine[] = [];
      for (const [sku, quantity] of merged) {
        const quote = quotes.get(sku);
        if (quote === undefined) return { kind: 'rejected', code: 'unknown_sku', message: `There is no item "${sku}" in the catalog.` };
        lines.push({ sku, name: quote.name, quantity, unitAmount: quote.unitAmount, currency: quote.currency });
      }
      // The buyer's quantities were checked above; anything refused now is the shop's function's doing.
      const priced = totalLines(lines);
      if (priced.kind === 'rejected' && !BUYERS_TO_SPLIT.has(priced.code)) throw new ShopPricingError(priced.message);
      return priced;
    },
  };
}

/** Skus are Stripe Price ids or lookup keys; prices are Stripe's, read through the catalog's bounded cache. */
export function stripePricesSource(prices: StripePriceCatalog): PriceSource {
  return {
    async price(request) {
      const merged = mergeRequest(request);
      if (!(merged instanceof Map)) return merged;
      const quotes = await prices.quotes([...merged.keys()]);
      if (!(quotes instanceof Map)) return { kind: 'rejected', ...quotes };
      return priceRequest(request, (sku) => quotes.get(sku));
    },
  };
}

/**
 * Where createSettled's prices come from: a static catalog (inline, or the path of its JSON file), the shop's own
 * pricing function, or Stripe Prices (skus are Price ids or lookup keys; bounds of the cache optional).
 */
export type CatalogOption =
  | Catalog
  | { readonly path: string }
  | ShopPricing
  | { readonly stripePrices: { readonly maxAgeMs?: number; readonly maxEntries?: number } };

export async function resolvePriceSource(option: CatalogOption, deps: { gateway: StripeGateway; now: () => number }): Promise<PriceSource> {
  if (typeof option === 'function') return shopPricingSource(option);
  if ('stripePrices' in option) {
    const { maxAgeMs, maxEntries } = option.stripePrices;
    return stripePricesSource(new StripePriceCatalog(deps.gateway, {
      maxAgeMs: maxAgeMs ?? DEFAULTS.stripePrices.maxAgeMs,
      maxEntries: maxEntries ?? DEFAULTS.stripePrices.maxEntries,
      now: deps.now,
    }));
  }
  if ('items' in option) return staticCatalogSource(option);
  let text: string;
  try {
    text = await readFile(option.path, 'utf8');
  } catch {
    throw new CatalogError([`cannot read the catalog file ${option.path}`]);
  }
  return staticCatalogSource(parseCatalogText(text, option.path));
}
