import { z } from 'zod';
import { DEFAULTS } from './defaults.js';
import { createSourceAllowList } from './ingest/source-allowlist.js';

const secretList = z
  .string()
  .transform((raw) => raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0));

/** An integer setting: digits only, so that "abc", "1.5" and "-1" are each told the range instead of "NaN". */
function wholeNumber(min: number, max: number, tooLarge?: string) {
  const range = `must be a whole number from ${min} to ${max}`;
  return z
    .string()
    .trim()
    .regex(/^\d+$/, range)
    .transform(Number)
    .pipe(z.number().min(min, range).max(max, tooLarge ?? range));
}

/** A duration in seconds, decimals allowed. */
function seconds(max: number) {
  const range = `must be a number of seconds above 0 and at most ${max}`;
  return z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, range)
    .transform(Number)
    .pipe(z.number().positive(range).max(max, range));
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
const CATALOG_SOURCES = ['file', 'stripe-prices'] as const;

const schema = z.object({
  PORT: wholeNumber(0, 65535).default(DEFAULTS.port),
  HOST: z.string().min(1).default(DEFAULTS.host),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL (leave it unset for the embedded SQLite store)')
    .optional(),
  DATABASE_POOL_SIZE: wholeNumber(1, 100).default(DEFAULTS.database.poolSize),
  DATABASE_STATEMENT_TIMEOUT_SECONDS: wholeNumber(1, 3600).default(DEFAULTS.database.statementTimeoutMs / 1000),
  CATALOG_PATH: z.string().min(1).optional(),
  CATALOG_SOURCE: z.enum(CATALOG_SOURCES, 'must be file (CATALOG_PATH, or the demo catalog) or stripe-prices (items are Stripe Price ids or lookup keys)').default(DEFAULTS.catalogSource),
  STRIPE_SECRET_KEY: z
    .string()
    .regex(/^(sk|rk)_(test|live)_[A-Za-z0-9]+$/, 'must be a Stripe secret key (sk_test_… or sk_live_…)')
    .optional(),
  STRIPE_WEBHOOK_SECRET: secretList
    .pipe(z.array(z.string().regex(/^whsec_[A-Za-z0-9]+$/, 'each webhook secret must start with whsec_ (copy the signing secret from the endpoint in the Dashboard, or from `stripe listen`)')))
    .optional(),
  STRIPE_API_BASE: z.url({ protocol: /^https?$/ }).optional(),
  STRIPE_REQUEST_BUDGET_SECONDS: seconds(120).default(DEFAULTS.stripeBudgetMs.request / 1000),
  STRIPE_BACKGROUND_BUDGET_SECONDS: seconds(3600).default(DEFAULTS.stripeBudgetMs.background / 1000),
  WEBHOOK_TOLERANCE_SECONDS: wholeNumber(1, 3600).default(DEFAULTS.webhookToleranceSeconds),
  ORDER_REF_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  ADMIN_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  LOG_FORMAT: z.enum(LOG_FORMATS, 'must be auto, json or pretty').default(DEFAULTS.logFormat),
  RATE_LIMIT_PER_MINUTE: wholeNumber(1, 1_000_000).default(DEFAULTS.rateLimits.buyerPerMinute),
  // Refused webhook requests per address per minute; verified deliveries are never counted.
  WEBHOOK_RATE_LIMIT_PER_MINUTE: wholeNumber(1, 10_000_000).default(DEFAULTS.rateLimits.webhookRejectedPerMinute),
  TRUST_PROXY: z.enum(['true', 'false']).default('false'),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
  STRIPE_WEBHOOK_IPS: z.string().min(1).default('off'),
  STRIPE_WEBHOOK_IPS_FILE: z.string().min(1).optional(),
  WORKER_MAX_ATTEMPTS: wholeNumber(1, 100).default(DEFAULTS.worker.maxAttempts),
  WORKER_LEASE_SECONDS: wholeNumber(1, 3600).default(DEFAULTS.worker.leaseMs / 1000),
  RECONCILE_INTERVAL_SECONDS: wholeNumber(0, 86_400).default(DEFAULTS.reconcile.intervalMs / 1000),
  RECONCILE_LOOKBACK_HOURS: wholeNumber(1, 720, 'Stripe keeps events for 30 days (720 hours)').default(DEFAULTS.reconcile.lookbackSeconds / 3600),
  RECONCILE_STALE_MINUTES: wholeNumber(0, 43_200).default(DEFAULTS.reconcile.staleAfterMs / 60_000),
  DELIVERY_LOG_RETENTION_DAYS: wholeNumber(1, 3650).default(DEFAULTS.reconcile.deliveryLogRetentionMs / 86_400_000),
  STRIPE_REVALIDATE: z.enum(['true', 'false', '1', '0'], 'must be true or false').default('false'),
  SMTP_URL: z.string().regex(/^smtps?:\/\/\S+$/, 'must be an smtp:// or smtps:// URL (smtp://user:pass@host:587)').optional(),
  MAIL_FROM: z
    .string()
    .max(320)
    .regex(/^([^<>\r\n]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/, 'must be an address (orders@shop.example) or a name and address (Shop <orders@shop.example>)')
    .optional(),
  // Sidecar mode: keys the shop's backend sends to /api/v1/, and where (and with what) its notifications are signed.
  SETTLED_API_KEYS: secretList.pipe(z.array(z.string().regex(/^[\x21-\x7e]{32,}$/, 'each API key must be at least 32 visible characters (e.g. `openssl rand -hex 24`)'))).optional(),
  SETTLED_NOTIFY_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL of your backend, e.g. https://shop.example/settled/notify' }).optional(),
  SETTLED_NOTIFY_SECRET: secretList.pipe(z.array(z.string().regex(/^[\x21-\x7e]{32,}$/, 'each notify secret must be at least 32 visible characters (e.g. `openssl rand -hex 24`)'))).optional(),
});

export type Config = Readonly<{
  port: number;
  host: string;
  publicUrl: string | undefined;
  dataDir: string;
  databaseUrl: string | undefined;
  /** Connections each process may hold open to PostgreSQL. */
  databasePoolSize: number;
  /** PostgreSQL statement_timeout: no query (but a migration) runs longer; a request meeting it answers 503. */
  databaseStatementTimeoutMs: number;
  catalogPath: string | undefined;
  /** Where prices come from: the catalog file, or Stripe's Prices (skus are Price ids or lookup keys). */
  catalogSource: (typeof CATALOG_SOURCES)[number];
  stripe: Readonly<{
    secretKey: string | undefined;
    webhookSecrets: readonly string[];
    apiBase: string | undefined;
    toleranceSeconds: number;
    /** One Stripe call, retries included, while a buyer or operator waits. */
    requestBudgetMs: number;
    /** One Stripe call from the worker, revalidation or reconciliation. */
    backgroundBudgetMs: number;
  }>;
  orderRefSecret: string | undefined;
  adminToken: string | undefined;
  logLevel: (typeof LOG_LEVELS)[number];
  /** auto: readable lines on a terminal, JSON lines when output goes to a file, a pipe or a log collector. */
  logFormat: (typeof LOG_FORMATS)[number];
  /** webhookRejectedPerMinute: refused webhook requests per address per minute; a verified delivery is never limited. */
  rateLimits: Readonly<{ buyerPerMinute: number; webhookRejectedPerMinute: number }>;
  /** Honour X-Forwarded-For: only behind a proxy you control. */
  trustProxy: boolean;
  /** Shared rate-limit counters for several processes. */
  redisUrl: string | undefined;
  /** 'off', 'stripe' (the published list, or STRIPE_WEBHOOK_IPS_FILE), or addresses / CIDR blocks. */
  webhookSources: Readonly<{ mode: 'off' } | { mode: 'stripe'; file: string | undefined } | { mode: 'list'; entries: readonly string[] }>;
  /** leaseSeconds: how long a claim stays a worker's before another may take it over (a crashed worker's). */
  worker: Readonly<{ maxAttempts: number; leaseSeconds: number }>;
  reconcile: Readonly<{
    /** 0: serve does not reconcile on its own (run `settled reconcile`). */
    intervalSeconds: number;
    lookbackSeconds: number;
    /** 0: no stale-order sweep. */
    staleAfterMs: number;
  }>;
  deliveryLogRetentionDays: number;
  /** Re-read each object from Stripe before its facts are applied. */
  revalidate: boolean;
  /** Buyer confirmations: SMTP when smtpUrl is set (it holds the password: never log it), else DATA_DIR/outbox/confirmations.jsonl. */
  mail: Readonly<{ smtpUrl: string | undefined; from: string | undefined }>;
  /** Sidecar mode: apiKeys open /api/v1/ (none: it refuses every request); notify.url receives signed status changes. */
  sidecar: Readonly<{ apiKeys: readonly string[]; notify: Readonly<{ url: string; secrets: readonly string[] }> | undefined }>;
}>;

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Configuration is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

function webhookSources(raw: string, file: string | undefined): Config['webhookSources'] {
  const value = raw.trim();
  if (value === 'off') return Object.freeze({ mode: 'off' });
  if (value === 'stripe') return Object.freeze({ mode: 'stripe', file });
  return Object.freeze({ mode: 'list', entries: Object.freeze(value.split(',').map((entry) => entry.trim()).filter((entry) => entry.length > 0)) });
}

/** Reads the environment once; every problem is reported together, and values are never echoed. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    // The setting's name alone: "STRIPE_WEBHOOK_SECRET.0" is a path into our parsing, not something a user sets.
    throw new ConfigError(parsed.error.issues.map((issue) => `${String(issue.path[0] ?? 'environment')}: ${issue.message}`));
  }
  const v = parsed.data;
  const problems: string[] = [];
  if (v.STRIPE_SECRET_KEY && !v.STRIPE_API_BASE && (v.STRIPE_WEBHOOK_SECRET ?? []).length === 0) {
    problems.push('STRIPE_WEBHOOK_SECRET: required when STRIPE_SECRET_KEY talks to Stripe (copy it from the webhook endpoint in the Dashboard)');
  }
  const sources = webhookSources(v.STRIPE_WEBHOOK_IPS, v.STRIPE_WEBHOOK_IPS_FILE);
  if (sources.mode === 'list') {
    try {
      createSourceAllowList(sources.entries);
    } catch (error) {
      problems.push(`STRIPE_WEBHOOK_IPS: ${error instanceof Error ? error.message : String(error)}; use off, stripe, or addresses and CIDR blocks separated by commas`);
    }
  }
  if (v.SMTP_URL !== undefined) {
    // URL.canParse never echoes the value, which holds the password.
    if (!URL.canParse(v.SMTP_URL) || new URL(v.SMTP_URL).hostname === '') problems.push('SMTP_URL: is not a valid URL (smtp://user:pass@host:587)');
    if (v.MAIL_FROM === undefined) problems.push('MAIL_FROM: required when SMTP_URL is set (e.g. Shop <orders@shop.example>)');
  }
  if (v.SETTLED_NOTIFY_URL !== undefined) {
    const target = new URL(v.SETTLED_NOTIFY_URL);
    if (target.username !== '' || target.password !== '') problems.push('SETTLED_NOTIFY_URL: must not hold a user or password; notifications are authenticated by their signature (SETTLED_NOTIFY_SECRET)');
    if ((v.SETTLED_NOTIFY_SECRET ?? []).length === 0) problems.push('SETTLED_NOTIFY_SECRET: required with SETTLED_NOTIFY_URL, to sign each notification (e.g. `openssl rand -hex 24`)');
  }
  if (v.CATALOG_SOURCE === 'stripe-prices' && v.CATALOG_PATH !== undefined) {
    problems.push('CATALOG_PATH: is not read with CATALOG_SOURCE=stripe-prices (prices come from Stripe); unset one of them');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    port: v.PORT,
    host: v.HOST,
    publicUrl: v.PUBLIC_URL?.replace(/\/+$/, ''),
    dataDir: v.DATA_DIR,
    databaseUrl: v.DATABASE_URL,
    databasePoolSize: v.DATABASE_POOL_SIZE,
    databaseStatementTimeoutMs: v.DATABASE_STATEMENT_TIMEOUT_SECONDS * 1000,
    catalogPath: v.CATALOG_PATH,
    catalogSource: v.CATALOG_SOURCE,
    stripe: Object.freeze({
      secretKey: v.STRIPE_SECRET_KEY,
      webhookSecrets: Object.freeze([...(v.STRIPE_WEBHOOK_SECRET ?? [])]),
      apiBase: v.STRIPE_API_BASE?.replace(/\/+$/, ''),
      toleranceSeconds: v.WEBHOOK_TOLERANCE_SECONDS,
      requestBudgetMs: Math.round(v.STRIPE_REQUEST_BUDGET_SECONDS * 1000),
      backgroundBudgetMs: Math.round(v.STRIPE_BACKGROUND_BUDGET_SECONDS * 1000),
    }),
    orderRefSecret: v.ORDER_REF_SECRET,
    adminToken: v.ADMIN_TOKEN,
    logLevel: v.LOG_LEVEL,
    logFormat: v.LOG_FORMAT,
    rateLimits: Object.freeze({ buyerPerMinute: v.RATE_LIMIT_PER_MINUTE, webhookRejectedPerMinute: v.WEBHOOK_RATE_LIMIT_PER_MINUTE }),
    trustProxy: v.TRUST_PROXY === 'true',
    redisUrl: v.REDIS_URL,
    webhookSources: sources,
    worker: Object.freeze({ maxAttempts: v.WORKER_MAX_ATTEMPTS, leaseSeconds: v.WORKER_LEASE_SECONDS }),
    reconcile: Object.freeze({
      intervalSeconds: v.RECONCILE_INTERVAL_SECONDS,
      lookbackSeconds: v.RECONCILE_LOOKBACK_HOURS * 3600,
      staleAfterMs: v.RECONCILE_STALE_MINUTES * 60_000,
    }),
    deliveryLogRetentionDays: v.DELIVERY_LOG_RETENTION_DAYS,
    revalidate: v.STRIPE_REVALIDATE === 'true' || v.STRIPE_REVALIDATE === '1',
    mail: Object.freeze({ smtpUrl: v.SMTP_URL, from: v.MAIL_FROM }),
    sidecar: Object.freeze({
      apiKeys: Object.freeze([...(v.SETTLED_API_KEYS ?? [])]),
      notify: v.SETTLED_NOTIFY_URL === undefined ? undefined : Object.freeze({ url: v.SETTLED_NOTIFY_URL, secrets: Object.freeze([...(v.SETTLED_NOTIFY_SECRET ?? [])]) }),
    }),
  });
}

function isLocalUrl(url: string | undefined): boolean {
  if (url === undefined) return true;
  const { hostname, protocol } = new URL(url);
  return protocol === 'http:' || hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

/**
 * Production is where buyers pay: PUBLIC_URL is a public https address and the SDK talks to Stripe itself. A live key
 * anywhere else (a laptop, a staging box on plain http, against STRIPE_API_BASE) charges real cards by mistake.
 */
export function liveKeyOutsideProduction(config: Config): boolean {
  const key = config.stripe.secretKey;
  if (key === undefined || !/^(sk|rk)_live_/.test(key)) return false;
  return config.stripe.apiBase !== undefined || isLocalUrl(config.publicUrl);
}
