import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type Stripe from 'stripe';
import { ConfigError, liveKeyOutsideProduction, type Config } from '../../config.js';
import { CatalogError } from '../../domain/catalog.js';
import { eventsNotSent } from '../../operations/webhook-endpoint.js';
import type { Store } from '../../store/types.js';
import { configFromEnvironment } from '../environment.js';
import { connectStripe, loadCatalogFile, openConfiguredStore } from '../runtime.js';
import { StartupError } from '../startup-errors.js';

type Verdict = 'ok' | 'warn' | 'FAIL';

interface Check {
  readonly verdict: Verdict;
  readonly name: string;
  readonly detail: string;
}

const WEBHOOK_PATH = '/api/webhooks/stripe';

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function keyChecks(config: Config): Check[] {
  const key = config.stripe.secretKey;
  if (key === undefined) return [{ verdict: 'warn', name: 'stripe key', detail: 'STRIPE_SECRET_KEY is not set: serve runs offline against the built-in emulator' }];
  const live = /^(sk|rk)_live_/.test(key);
  const checks: Check[] = [{ verdict: 'ok', name: 'stripe key', detail: `present (${live ? 'live' : 'test'} mode)` }];
  // A live key belongs only where buyers pay: a public https address, talking to Stripe itself.
  if (liveKeyOutsideProduction(config)) {
    checks.push({ verdict: 'warn', name: 'live key', detail: 'a live key outside production (PUBLIC_URL unset, local or plain http, or STRIPE_API_BASE set): use an sk_test_ key here' });
  }
  return checks;
}

async function stripeChecks(config: Config): Promise<Check[]> {
  if (config.stripe.secretKey === undefined) return [];
  const { stripe } = await connectStripe(config);
  let endpoints: Stripe.WebhookEndpoint[];
  try {
    endpoints = (await stripe.webhookEndpoints.list({ limit: 100 })).data;
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    if (status === 401) return [{ verdict: 'FAIL', name: 'stripe key accepted', detail: 'Stripe refused STRIPE_SECRET_KEY (401): copy a current secret key from the Dashboard (Developers → API keys)' }];
    if (status === 403) return [{ verdict: 'FAIL', name: 'stripe key accepted', detail: 'the key may not read webhook endpoints (403): give the restricted key read access to webhooks, or use a secret key' }];
    return [{ verdict: 'FAIL', name: 'stripe key accepted', detail: `could not reach Stripe${config.stripe.apiBase ? ` at ${config.stripe.apiBase}` : ''}: ${describeError(error)}` }];
  }
  const checks: Check[] = [{ verdict: 'ok', name: 'stripe key accepted', detail: `Stripe answered (${endpoints.length} webhook endpoint(s))` }];
  if (config.stripe.webhookSecrets.length === 0) {
    checks.push({ verdict: 'warn', name: 'webhook secret', detail: 'STRIPE_WEBHOOK_SECRET is not set: serve registers its own endpoint (fine against the emulator, not for Stripe)' });
    return checks;
  }
  if (config.publicUrl === undefined) {
    checks.push({ verdict: 'warn', name: 'webhook endpoint', detail: `PUBLIC_URL is not set, so the endpoint cannot be matched: set it to the address Stripe posts to (…${WEBHOOK_PATH})` });
    return checks;
  }
  const url = `${config.publicUrl}${WEBHOOK_PATH}`;
  const endpoint = endpoints.find((candidate) => candidate.url === url);
  if (endpoint === undefined) {
    checks.push({ verdict: 'FAIL', name: 'webhook endpoint', detail: `no endpoint is registered for ${url}: add it in the Dashboard (Developers → Webhooks) and put its signing secret in STRIPE_WEBHOOK_SECRET` });
    return checks;
  }
  if (endpoint.status !== 'enabled') {
    checks.push({ verdict: 'FAIL', name: 'webhook endpoint', detail: `${endpoint.id} for ${url} is ${endpoint.status}: enable it in the Dashboard` });
    return checks;
  }
  const missing = eventsNotSent(endpoint.enabled_events);
  checks.push(
    missing.length === 0
      ? { verdict: 'ok', name: 'webhook endpoint', detail: `${endpoint.id} for ${url} is enabled and sends every event settled handles` }
      : { verdict: 'FAIL', name: 'webhook endpoint', detail: `${endpoint.id} does not send ${missing.join(', ')}: add them to its events in the Dashboard` },
  );
  // Stripe shows an endpoint's secret only when it is created; the API cannot confirm a match later.
  const secret = (endpoint as { secret?: string }).secret;
  if (secret !== undefined) {
    checks.push(
      config.stripe.webhookSecrets.includes(secret)
        ? { verdict: 'ok', name: 'webhook secret', detail: `matches endpoint ${endpoint.id}` }
        : { verdict: 'FAIL', name: 'webhook secret', detail: `no STRIPE_WEBHOOK_SECRET matches endpoint ${endpoint.id}: copy its signing secret from the Dashboard` },
    );
  } else {
    checks.push({ verdict: 'warn', name: 'webhook secret', detail: `Stripe does not reveal ${endpoint.id}'s secret through the API: compare it with the Dashboard, and check \`settled\` delivery-log rejections (signature_mismatch)` });
  }
  return checks;
}

async function databaseChecks(config: Config): Promise<Check[]> {
  const where = config.databaseUrl ? 'PostgreSQL at DATABASE_URL' : `SQLite under ${config.dataDir}`;
  const sqlitePath = join(config.dataDir, 'settled.sqlite');
  if (!config.databaseUrl && !existsSync(sqlitePath)) {
    // Opening would create an empty database; the doctor only looks.
    return [{ verdict: 'FAIL', name: 'database', detail: `no database at ${sqlitePath} yet: run \`settled migrate\` (or check DATA_DIR)` }];
  }
  let store: Store | undefined;
  try {
    store = await openConfiguredStore(config);
    const status = await store.migrationStatus();
    const checks: Check[] = [{ verdict: 'ok', name: 'database', detail: `${where} is reachable` }];
    checks.push(
      status.pending.length === 0
        ? { verdict: 'ok', name: 'migrations', detail: `current (${status.applied.length} applied)` }
        : { verdict: 'FAIL', name: 'migrations', detail: `${status.pending.join(', ')} not applied: run \`settled migrate\`` },
    );
    return checks;
  } catch (error) {
    if (error instanceof StartupError) return [{ verdict: 'FAIL', name: 'database', detail: error.message }];
    return [{ verdict: 'FAIL', name: 'database', detail: `${where} is not reachable (${describeError(error)}): check ${config.databaseUrl ? 'DATABASE_URL and that PostgreSQL runs' : 'DATA_DIR is writable'}` }];
  } finally {
    await store?.close().catch(() => undefined);
  }
}

function catalogCheck(config: Config): Check {
  if (config.catalogSource === 'stripe-prices') return { verdict: 'ok', name: 'catalog', detail: 'Stripe Prices: items are Price ids or lookup keys, priced by Stripe' };
  try {
    const catalog = loadCatalogFile(config);
    return { verdict: 'ok', name: 'catalog', detail: `${catalog.items.length} item(s)${config.catalogPath ? '' : ' (the demo catalog: set CATALOG_PATH for your own)'}` };
  } catch (error) {
    if (error instanceof CatalogError) return { verdict: 'FAIL', name: 'catalog', detail: `${error.source ?? 'the catalog'}: ${error.problems.join('; ')}` };
    return { verdict: 'FAIL', name: 'catalog', detail: describeError(error) };
  }
}

/** The sidecar settings: whether /api/v1/ is open and where notifications go. Never prints a key or a secret. */
function sidecarChecks(config: Config): Check[] {
  const { apiKeys, notify } = config.sidecar;
  const checks: Check[] = [
    apiKeys.length === 0
      ? { verdict: 'warn', name: 'sidecar API', detail: 'SETTLED_API_KEYS is not set: /api/v1/ refuses every request (set it to let a backend in another language create orders)' }
      : { verdict: 'ok', name: 'sidecar API', detail: `${apiKeys.length} API key(s) accepted${apiKeys.length > 1 ? ' (rotating: drop the old one once every backend sends the new)' : ''}` },
  ];
  if (notify === undefined) {
    checks.push({ verdict: 'warn', name: 'notifications', detail: 'SETTLED_NOTIFY_URL is not set: status changes are only pulled (GET /api/v1/events), never posted to your backend' });
    return checks;
  }
  const target = new URL(notify.url);
  const local = target.hostname === 'localhost' || target.hostname === '127.0.0.1' || target.hostname === '[::1]';
  checks.push({
    verdict: target.protocol === 'https:' || local ? 'ok' : 'warn',
    name: 'notifications',
    detail: `posted to ${target.origin}${target.pathname}, signed with ${notify.secrets.length} secret(s)${target.protocol === 'https:' || local ? '' : '; use https outside your own network'}`,
  });
  return checks;
}

export async function runDoctor(): Promise<void> {
  let config: Config;
  try {
    config = configFromEnvironment();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) console.log(`FAIL  configuration: ${problem}`);
    process.exitCode = 1;
    return;
  }
  const checks: Check[] = [
    { verdict: 'ok', name: 'configuration', detail: 'every variable is valid' },
    ...keyChecks(config),
    ...(await stripeChecks(config)),
    ...(await databaseChecks(config)),
    catalogCheck(config),
    ...sidecarChecks(config),
  ];
  for (const check of checks) console.log(`${check.verdict.padEnd(4)}  ${check.name}: ${check.detail}`);
  if (checks.some((check) => check.verdict === 'FAIL')) process.exitCode = 1;
}
