import type Stripe from 'stripe';
import { createStripeClient } from './stripe/gateway.js';
import { registerWebhookEndpoint } from './stripe/webhook-endpoints.js';

/** Any key the emulator accepts; it is not a secret. */
const EMULATOR_KEY = 'sk_test_settled_emulator';

export interface DevEmulator {
  readonly stripe: Stripe;
  /** Where the emulator answers (its hosted checkout pages are under it). */
  readonly url: string;
  /** The signing secret of the endpoint registered for this settled. */
  readonly webhookSecret: string;
  close(): Promise<void>;
}

/**
 * What `npm start` does, for a library: start the emulator in this process (or use one at a URL), register the
 * webhook endpoint at publicUrl and hand back its secret. Loaded only when asked for.
 */
export async function connectDevEmulator(option: true | string, webhookUrl: string): Promise<DevEmulator> {
  const running = option === true ? await (await import('../emulator/index.js')).startEmulator({ port: 0 }) : undefined;
  const url = running?.url ?? (option as string);
  const stripe = createStripeClient({ secretKey: EMULATOR_KEY, apiBase: url });
  try {
    const webhookSecret = await registerWebhookEndpoint(stripe, webhookUrl, { replaceExisting: true });
    return { stripe, url, webhookSecret, close: async () => running?.close() };
  } catch (error) {
    await running?.close();
    throw error;
  }
}
