import type Stripe from 'stripe';
import type { Config } from '../../config.js';
import { createLogger } from '../../logging.js';
import type { Store } from '../../store/types.js';
import type { StripeGateway } from '../../stripe/gateway.js';
import { createProcessing, type Processing } from '../../worker/processing.js';
import { configFromEnvironment } from '../environment.js';
import { connectStripe, openConfiguredStore, stripeGateway } from '../runtime.js';
import { awaitOutcomes } from '../../operations/events.js';

// How long a command waits for events another running serve or worker claimed first.
export const OTHER_WORKER_WAIT_MS = 10_000;

/** What the operator commands share: the configured store and, when asked for, Stripe and a local worker. */
export interface OperatorContext {
  readonly config: Config;
  readonly store: Store;
  readonly stripe: Stripe | undefined;
  /** For the calls an operator waits on (the request budget); `processing` has its own with the background budget. */
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

/**
 * Opens the store (migrated: operator commands may be the first to touch a new database) and Stripe: 'required'
 * refuses to run without a key, 'if-configured' connects only when a key is set (never the empty in-process emulator).
 */
export async function withOperatorContext<T>(
  options: { stripe: 'required' | 'if-configured' | 'none'; command: string },
  use: (context: OperatorContext) => Promise<T>,
): Promise<T> {
  const config = configFromEnvironment();
  if (options.stripe === 'required') requireStripeKey(config, options.command);
  const wantsStripe = options.stripe === 'required' || (options.stripe === 'if-configured' && config.stripe.secretKey !== undefined);
  const store = await openConfiguredStore(config);
  try {
    await store.migrate();
    const stripe = wantsStripe ? (await connectStripe(config)).stripe : undefined;
    const gateway = stripe === undefined ? undefined : stripeGateway(stripe, config.stripe.requestBudgetMs);
    const processing =
      gateway === undefined
        ? undefined
        : createProcessing({ store, gateway: gateway.withBudget(config.stripe.backgroundBudgetMs), logger: createLogger({ level: config.logLevel === 'info' ? 'warn' : config.logLevel, format: config.logFormat }), now: Date.now, maxAttempts: config.worker.maxAttempts });
    return await use({ config, store, stripe, gateway, processing });
  } finally {
    await store.close();
  }
}

export function formatTime(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace('.000Z', 'Z');
}

export function oneLine(text: string | null, max = 100): string {
  if (text === null) return '-';
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * Processes the given inbox events with this process's worker when Stripe is configured, and says what became
 * of each; without a key they wait for a running `settled serve` or `settled worker`.
 */
export async function processAndReport(context: OperatorContext, ids: readonly string[]): Promise<void> {
  if (context.processing === undefined) {
    console.log('queued: a running `settled serve` or `settled worker` will process them (set STRIPE_SECRET_KEY to process them here).');
    return;
  }
  await context.processing.worker.drain();
  for (const row of await awaitOutcomes(context.store, ids, OTHER_WORKER_WAIT_MS)) {
    const result = row.status === 'dead' || row.status === 'pending' ? `${row.status}: ${oneLine(row.lastError)}` : `${row.status}: ${row.outcome ?? ''}`;
    console.log(`  ${row.id}  ${result}`);
  }
}
