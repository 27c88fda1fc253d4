import type Stripe from 'stripe';
import type { Config } from '../../config.js';
import { createLogger } from '../../logging.js';
import type { Store } from '../../store/types.js';
import { StripeGateway } from '../../stripe/gateway.js';
import { createProcessing, type Processing } from '../../worker/processing.js';
import { configFromEnvironment } from '../environment.js';
import { connectStripe, openConfiguredStore } from '../runtime.js';

/** What the operator commands share: the configured store and, when asked for, Stripe and a local worker. */
export interface OperatorContext {
  readonly config: Config;
  readonly store: Store;
  readonly stripe: Stripe | undefined;
  readonly gateway: StripeGateway | undefined;
  /** An inbox worker for this process only (never started in the background); its outbox is left to serve. */
  readonly processing: Processing | undefined;
}

export class OperatorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OperatorError';
  }
}

export function requireStripeKey(config: Config, command: string): void {
  // Without a key serve would start an empty in-process emulator, which knows none of this shop's objects.
  if (!config.stripe.secretKey) {
    throw new OperatorError(`settled ${command} needs STRIPE_SECRET_KEY (and STRIPE_API_BASE when the Stripe emulator runs on its own).`);
  }
}

/** Opens the store (migrated: operator commands may be the first to touch a new database) and, optionally, Stripe. */
export async function withOperatorContext<T>(options: { stripe: boolean; command: string }, use: (context: OperatorContext) => Promise<T>): Promise<T> {
  const config = configFromEnvironment();
  if (options.stripe) requireStripeKey(config, options.command);
  const store = await openConfiguredStore(config);
  try {
    await store.migrate();
    const stripe = options.stripe ? (await connectStripe(config)).stripe : undefined;
    const gateway = stripe === undefined ? undefined : new StripeGateway(stripe);
    const processing =
      gateway === undefined
        ? undefined
        : createProcessing({ store, gateway, logger: createLogger({ level: config.logLevel === 'info' ? 'warn' : config.logLevel }), now: Date.now, maxAttempts: config.worker.maxAttempts });
    return await use({ config, store, stripe, gateway, processing });
  } finally {
    await store.close();
  }
}

export function formatTime(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace('.000Z', 'Z');
}

export function positiveInteger(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) <= 0) throw new OperatorError(`${name} must be a positive whole number, got "${value}".`);
    return Number(value);
  };
}
