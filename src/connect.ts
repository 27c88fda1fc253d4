import type Stripe from 'stripe';
import { DEFAULTS } from './defaults.js';
import { connectDevEmulator, type DevEmulator } from './dev-emulator.js';
import { resolvePriceSource, type PriceSource } from './operations/price-sources.js';
import type { SettledOptions } from './settled-options.js';
import { createStripeClient, StripeGateway, type StripeConnection } from './stripe/gateway.js';

// How createSettled reaches Stripe (a client, a key, or the emulator for development) and where its prices come from.

function isStripeClient(value: Stripe | StripeConnection): value is Stripe {
  return !('secretKey' in value && typeof value.secretKey === 'string');
}

function isDevEmulator(value: SettledOptions['stripe']): value is { readonly emulator: true | string } {
  return 'emulator' in value && (value.emulator === true || typeof value.emulator === 'string');
}

function webhookSecretsOf(options: SettledOptions, emulator: DevEmulator | undefined): () => readonly string[] {
  const given = options.webhookSecrets;
  if (typeof given === 'function') return given;
  // An empty list is a choice (a process that only reconciles); leaving the option out is a mistake.
  if (given === undefined && emulator === undefined) throw new Error('createSettled: give webhookSecrets (your whsec_… from Stripe), or use stripe: { emulator: true } to develop offline.');
  const secrets = [...(given ?? []), ...(emulator ? [emulator.webhookSecret] : [])];
  return () => secrets;
}

export async function connectStripeAndPrices(
  options: SettledOptions,
  publicUrl: () => string,
  now: () => number,
): Promise<{ emulator: DevEmulator | undefined; gateway: StripeGateway; secrets: () => readonly string[]; prices: PriceSource }> {
  const stripe = options.stripe;
  const emulator = isDevEmulator(stripe) ? await connectDevEmulator(stripe.emulator, `${publicUrl().replace(/\/+$/, '')}/api/webhooks/stripe`) : undefined;
  try {
    const client = isDevEmulator(stripe) ? (emulator as DevEmulator).stripe : isStripeClient(stripe) ? stripe : createStripeClient(stripe);
    const gateway = new StripeGateway(client, { budgetMs: options.stripeBudget?.requestMs ?? DEFAULTS.stripeBudgetMs.request });
    const secrets = webhookSecretsOf(options, emulator);
    return { emulator, gateway, secrets, prices: await resolvePriceSource(options.catalog, { gateway, now }) };
  } catch (error) {
    await emulator?.close();
    throw error;
  }
}

