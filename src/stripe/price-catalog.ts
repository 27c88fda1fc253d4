import Stripe from 'stripe';
import type { PriceQuote } from '../domain/pricing.js';
import type { StripeGateway } from './gateway.js';

/** Why a sku named a Price that cannot be sold: the buyer API answers 400 with this code. */
export type PriceRefusal = { readonly code: 'unknown_price' | 'inactive_price' | 'unsupported_price'; readonly message: string };

export interface StripePriceCatalogOptions {
  /** How long a Price read from Stripe is used before it is read again (default 5 minutes). */
  readonly maxAgeMs: number;
  /** How many Prices are kept at most; the least recently read go first (default 1000). */
  readonly maxEntries: number;
  readonly now: () => number;
}

const LOOKUP_KEYS_PER_LIST = 10;

/**
 * Skus that name Stripe Prices: `price_…` is a Price id, anything else a lookup_key. Unit amounts, currencies and
 * names are Stripe's, read through a bounded cache, so a shop changes a price in Stripe and nowhere else.
 */
export class StripePriceCatalog {
  private readonly cache = new Map<string, { quote: PriceQuote; readAt: number }>();

  constructor(
    private readonly gateway: Pick<StripeGateway, 'retrievePrice' | 'pricesByLookupKeys'>,
    private readonly options: StripePriceCatalogOptions,
  ) {}

  /** A quote for every sku, or the first sku's refusal. */
  async quotes(skus: readonly string[]): Promise<Map<string, PriceQuote> | PriceRefusal> {
    const found = new Map<string, PriceQuote>();
    const missing: string[] = [];
    for (const sku of skus) {
      const cached = this.fresh(sku);
      if (cached) found.set(sku, cached);
      else missing.push(sku);
    }
    const ids = missing.filter((sku) => sku.startsWith('price_'));
    const lookupKeys = missing.filter((sku) => !sku.startsWith('price_'));
    const read: Stripe.Price[] = [];
    for (const id of ids) {
      const price = await this.retrieve(id);
      if (price === undefined) return { code: 'unknown_price', message: `Stripe has no Price "${id}".` };
      read.push(price);
    }
    for (let i = 0; i < lookupKeys.length; i += LOOKUP_KEYS_PER_LIST) read.push(...(await this.gateway.pricesByLookupKeys(lookupKeys.slice(i, i + LOOKUP_KEYS_PER_LIST))));
    for (const sku of missing) {
      const price = read.find((p) => (sku.startsWith('price_') ? p.id === sku : p.lookup_key === sku));
      if (price === undefined) return { code: 'unknown_price', message: `Stripe has no active Price with the lookup key "${sku}".` };
      const quote = quoteOf(price);
      if ('code' in quote) return quote;
      this.remember(sku, quote);
      found.set(sku, quote);
    }
    return found;
  }

  private async retrieve(id: string): Promise<Stripe.Price | undefined> {
    try {
      return await this.gateway.retrievePrice(id);
    } catch (error) {
      if (error instanceof Stripe.errors.StripeInvalidRequestError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  private fresh(sku: string): PriceQuote | undefined {
    const entry = this.cache.get(sku);
    if (entry === undefined) return undefined;
    if (this.options.now() - entry.readAt >= this.options.maxAgeMs) {
      this.cache.delete(sku);
      return undefined;
    }
    return entry.quote;
  }

  private remember(sku: string, quote: PriceQuote): void {
    this.cache.delete(sku);
    this.cache.set(sku, { quote, readAt: this.options.now() });
    // A Map iterates in insertion order: the first key is the one read longest ago.
    while (this.cache.size > this.options.maxEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
  }
}

function quoteOf(price: Stripe.Price): PriceQuote | PriceRefusal {
  if (!price.active) return { code: 'inactive_price', message: `The Price "${price.id}" is archived in Stripe; it cannot be sold.` };
  if (price.type !== 'one_time' || price.unit_amount === null) {
    return { code: 'unsupported_price', message: `The Price "${price.id}" is not a one-time price with a fixed amount; settled sells only those.` };
  }
  const product = typeof price.product === 'object' && !price.product.deleted ? price.product : undefined;
  return { name: product?.name ?? price.nickname ?? price.id, unitAmount: price.unit_amount, currency: price.currency, stripePrice: price.id };
}
