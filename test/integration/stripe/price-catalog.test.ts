import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type Stripe from 'stripe';
import { startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { createStripeClient, StripeGateway } from '../../../src/stripe/gateway.js';
import { StripePriceCatalog } from '../../../src/stripe/price-catalog.js';

describe('StripePriceCatalog: Prices read from Stripe through a bounded cache', () => {
  let emulator: RunningEmulator;
  let stripe: Stripe;
  let now = 0;
  beforeEach(async () => {
    emulator = await startEmulator({});
    stripe = createStripeClient({ secretKey: 'sk_test_prices', apiBase: emulator.url });
    now = 1_000_000;
  });
  afterEach(async () => {
    await emulator.close();
  });

  const catalog = (maxEntries: number, maxAgeMs = 60_000): StripePriceCatalog =>
    new StripePriceCatalog(new StripeGateway(stripe), { maxAgeMs, maxEntries, now: () => now });

  async function raise(lookupKey: string, unitAmount: number): Promise<void> {
    await stripe.prices.create({ currency: 'usd', unit_amount: unitAmount, product_data: { name: lookupKey }, lookup_key: lookupKey, transfer_lookup_key: true });
  }

  async function amountOf(prices: StripePriceCatalog, sku: string): Promise<number | undefined> {
    const quotes = await prices.quotes([sku]);
    return quotes instanceof Map ? quotes.get(sku)?.unitAmount : undefined;
  }

  it('keeps a Price until it is maxAgeMs old, then reads it again', async () => {
    await raise('basic', 1000);
    const prices = catalog(10);
    expect(await amountOf(prices, 'basic')).toBe(1000);
    await raise('basic', 1200);
    now += 59_999;
    expect(await amountOf(prices, 'basic')).toBe(1000);
    now += 1;
    expect(await amountOf(prices, 'basic')).toBe(1200);
  });

  it('keeps at most maxEntries Prices, forgetting the one read longest ago', async () => {
    await raise('a', 100);
    await raise('b', 200);
    const small = catalog(1);
    const large = catalog(2);
    for (const prices of [small, large]) await prices.quotes(['a', 'b']);
    await raise('a', 150);
    expect(await amountOf(small, 'a')).toBe(150);
    expect(await amountOf(large, 'a')).toBe(100);
  });

  it('reads more than ten lookup keys in lists of ten, as Stripe allows', async () => {
    const keys = Array.from({ length: 12 }, (_, i) => `key-${i}`);
    for (const [i, key] of keys.entries()) await raise(key, 100 + i);
    const quotes = await catalog(100).quotes(keys);
    expect(quotes instanceof Map ? [...quotes.values()].map((quote) => quote.unitAmount) : quotes).toEqual(keys.map((_, i) => 100 + i));
  });
});
