import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type Stripe from 'stripe';
import { parseCatalogText, type Catalog } from '../domain/catalog.js';
import type { CatalogOption } from '../operations/price-sources.js';
import type { Config } from '../config.js';
import { parseStripeIpsFile } from '../ingest/source-allowlist.js';
import { STRIPE_WEBHOOK_IPS } from '../ingest/stripe-webhook-ips.js';
import { createStripeClient, StripeGateway } from '../stripe/gateway.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { databaseStartupError, dataDirStartupError } from './startup-errors.js';

/** The folder holding settled's package.json, whether running from src/ (tsx) or dist/ (built). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the settled package folder');
    dir = parent;
  }
  return dir;
}

/** Where `settled serve` takes its prices from: the catalog file (or the demo's), or Stripe's Prices. */
export function configuredCatalog(config: Config): CatalogOption {
  return config.catalogSource === 'stripe-prices' ? { stripePrices: {} } : loadCatalogFile(config);
}

export function loadCatalogFile(config: Config): Catalog {
  const path = config.catalogPath ? resolve(config.catalogPath) : join(packageRoot(), 'catalog', 'demo.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`CATALOG_PATH: cannot read ${path}; point it at a catalog JSON file.`);
  }
  return parseCatalogText(text, path);
}

/** The order_ref key: from the environment, else generated once and kept (mode 0600) in the data folder. */
export function orderRefSecret(config: Config): string {
  if (config.orderRefSecret) return config.orderRefSecret;
  const path = join(config.dataDir, 'order-ref-secret');
  try {
    const existing = readFileSync(path, 'utf8').trim();
    if (existing.length >= 32) return existing;
  } catch {
    // Not there yet: create it below.
  }
  const secret = randomBytes(32).toString('base64url');
  try {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'w' });
  } catch (error) {
    throw dataDirStartupError(error, config);
  }
  return secret;
}

// The composition root of the CLI: the one file in cli/ that turns configuration into a store and a Stripe client,
// and so the one that imports their values (lint allows it here only: decision 009).

/**
 * Opens the configured store and asks it one question, so that a database that is missing, unreachable or not
 * writable ends the command here with the setting to fix, not later inside a request or a migration.
 */
export async function openConfiguredStore(config: Config, onConnectionError?: (error: Error) => void): Promise<Store> {
  const { databaseUrl } = config;
  const translate = (error: unknown): unknown => (databaseUrl ? databaseStartupError(error, databaseUrl) : dataDirStartupError(error, config));
  let store: Store;
  try {
    store = databaseUrl
      ? await openStore({
          kind: 'postgres',
          connectionString: databaseUrl,
          poolSize: config.databasePoolSize,
          timeouts: { statementMs: config.databaseStatementTimeoutMs },
          ...(onConnectionError ? { onConnectionError } : {}),
        })
      : await openStore({ kind: 'sqlite', path: join(config.dataDir, 'settled.sqlite') });
  } catch (error) {
    throw translate(error);
  }
  try {
    await store.migrationStatus();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw translate(error);
  }
  return store;
}

export interface StripeConnectionSetup {
  readonly stripe: Stripe;
  readonly emulator: RunningEmulator | undefined;
  /** True when settled must register its own webhook endpoint and use the secret it gets back. */
  readonly registersEndpoint: boolean;
}

/**
 * With a key, talk to Stripe (or to STRIPE_API_BASE). Without one, start the emulator in this process;
 * the caller then registers its webhook endpoint there, as `stripe listen --forward-to` would.
 */
export async function connectStripe(config: Config): Promise<StripeConnectionSetup> {
  if (config.stripe.secretKey) {
    const stripe = createStripeClient({ secretKey: config.stripe.secretKey, apiBase: config.stripe.apiBase });
    return { stripe, emulator: undefined, registersEndpoint: config.stripe.webhookSecrets.length === 0 };
  }
  const emulator = await startEmulator({ port: 0 });
  const stripe = createStripeClient({ secretKey: 'sk_test_settled_offline_demo', apiBase: emulator.url });
  return { stripe, emulator, registersEndpoint: true };
}

/** The gateway every Stripe call goes through, with the budget the caller's kind of work has. */
export function stripeGateway(stripe: Stripe, budgetMs: number): StripeGateway {
  return new StripeGateway(stripe, { budgetMs });
}

export { registerWebhookEndpoint } from '../stripe/webhook-endpoints.js';

/** The addresses the webhook accepts, or undefined to accept any (the signature still decides). */
export function webhookSourceList(config: Config): readonly string[] | undefined {
  const sources = config.webhookSources;
  if (sources.mode === 'off') return undefined;
  if (sources.mode === 'list') return sources.entries;
  if (sources.file === undefined) return STRIPE_WEBHOOK_IPS;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(sources.file, 'utf8'));
  } catch {
    throw new Error(`STRIPE_WEBHOOK_IPS_FILE: cannot read ${sources.file} as JSON; save Stripe's ips_webhooks.json there.`);
  }
  try {
    return parseStripeIpsFile(json);
  } catch (error) {
    throw new Error(`STRIPE_WEBHOOK_IPS_FILE: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * The Redis that rate-limit counters are shared through. Rate limiting is not worth an outage: a Redis that is down
 * fails each count at once (no offline queue), one that hangs fails it within commandTimeout, and either way the
 * limiter steps aside; problems are logged, and ioredis reconnects by itself.
 */
export function connectRateLimitRedis(url: string, logger: Pick<Logger, 'warn'>): Redis {
  const redis = new Redis(url, { connectTimeout: 1_000, commandTimeout: 500, maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
  redis.on('error', (error: Error) => logger.warn({ err: error.message }, 'redis for rate limits unavailable'));
  return redis;
}
