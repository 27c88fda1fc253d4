import { describe, expect, it } from 'vitest';
import { ConfigError, liveKeyOutsideProduction, loadConfig } from '../../src/config.js';
import { DEFAULTS } from '../../src/defaults.js';

describe('loadConfig', () => {
  it('gives the embedded defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.port).toBe(4242);
    expect(config.dataDir).toBe('./data');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.stripe.secretKey).toBeUndefined();
    expect(config.stripe.toleranceSeconds).toBe(300);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('bounds each Stripe call by 10 s on the request path and 60 s in the background unless told otherwise', () => {
    expect(loadConfig({}).stripe).toMatchObject({ requestBudgetMs: 10_000, backgroundBudgetMs: 60_000 });
    const tuned = loadConfig({ STRIPE_REQUEST_BUDGET_SECONDS: '2.5', STRIPE_BACKGROUND_BUDGET_SECONDS: '90' });
    expect(tuned.stripe).toMatchObject({ requestBudgetMs: 2_500, backgroundBudgetMs: 90_000 });
    expect(() => loadConfig({ STRIPE_REQUEST_BUDGET_SECONDS: '0' })).toThrow(/STRIPE_REQUEST_BUDGET_SECONDS/);
    expect(() => loadConfig({ STRIPE_BACKGROUND_BUDGET_SECONDS: 'forever' })).toThrow(/STRIPE_BACKGROUND_BUDGET_SECONDS/);
  });

  it('limits refused webhook requests to 60 per address a minute unless WEBHOOK_RATE_LIMIT_PER_MINUTE says otherwise', () => {
    expect(loadConfig({}).rateLimits).toEqual({ buyerPerMinute: 120, webhookRejectedPerMinute: 60 });
    expect(loadConfig({ WEBHOOK_RATE_LIMIT_PER_MINUTE: '500' }).rateLimits.webhookRejectedPerMinute).toBe(500);
  });

  it('splits a comma list of webhook secrets for rotation', () => {
    const config = loadConfig({
      STRIPE_SECRET_KEY: 'sk_test_abc123',
      STRIPE_WEBHOOK_SECRET: 'whsec_one, whsec_two,',
    });
    expect(config.stripe.webhookSecrets).toEqual(['whsec_one', 'whsec_two']);
  });

  it('reports every problem at once without echoing secret values', () => {
    const secret = 'sk_live_' + 'x'.repeat(10) + '!';
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', STRIPE_SECRET_KEY: secret, DATABASE_URL: 'mysql://x' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.some((p) => p.startsWith('PORT'))).toBe(true);
    expect(problems.some((p) => p.startsWith('STRIPE_SECRET_KEY'))).toBe(true);
    expect(problems.some((p) => p.startsWith('DATABASE_URL'))).toBe(true);
    expect((error as Error).message).not.toContain(secret);
  });

  it('asks for the webhook secret when talking to real Stripe', () => {
    expect(() => loadConfig({ STRIPE_SECRET_KEY: 'sk_test_abc' })).toThrow(/STRIPE_WEBHOOK_SECRET/);
  });

  it('reads the webhook source allow-list and refuses an entry it cannot read', () => {
    expect(loadConfig({}).webhookSources).toEqual({ mode: 'off' });
    expect(loadConfig({ STRIPE_WEBHOOK_IPS: 'stripe' }).webhookSources).toEqual({ mode: 'stripe', file: undefined });
    expect(loadConfig({ STRIPE_WEBHOOK_IPS: '10.0.0.0/8, 3.18.12.63' }).webhookSources).toEqual({ mode: 'list', entries: ['10.0.0.0/8', '3.18.12.63'] });
    expect(() => loadConfig({ STRIPE_WEBHOOK_IPS: '10.0.0.0/8,hooks.example' })).toThrow(/STRIPE_WEBHOOK_IPS: "hooks.example" is not an IP address/);
  });

  it('tells a setting that is not a whole number its range instead of "NaN"', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(/^Configuration is not valid:\n {2}- PORT: must be a whole number from 0 to 65535$/);
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT: must be a whole number from 0 to 65535/);
    expect(() => loadConfig({ WORKER_MAX_ATTEMPTS: '2.5' })).toThrow(/WORKER_MAX_ATTEMPTS: must be a whole number from 1 to 100/);
    expect(() => loadConfig({ STRIPE_REQUEST_BUDGET_SECONDS: 'soon' })).toThrow(/STRIPE_REQUEST_BUDGET_SECONDS: must be a number of seconds above 0 and at most 120/);
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
  });

  it('names a bad webhook secret by its setting, not by its place in the parsed list', () => {
    let error: unknown;
    try {
      loadConfig({ STRIPE_SECRET_KEY: 'sk_test_abc', STRIPE_WEBHOOK_SECRET: 'whsec_good,sk_test_wrong' });
    } catch (e) {
      error = e;
    }
    expect((error as ConfigError).problems).toEqual([expect.stringMatching(/^STRIPE_WEBHOOK_SECRET: each webhook secret must start with whsec_ \(copy the signing secret/)]);
    expect((error as Error).message).not.toContain('sk_test_wrong');
  });

  it('counts a live key as outside production unless PUBLIC_URL is a public https address and Stripe is Stripe itself', () => {
    const live = { STRIPE_SECRET_KEY: 'sk_live_abc', STRIPE_WEBHOOK_SECRET: 'whsec_x' };
    expect(liveKeyOutsideProduction(loadConfig(live))).toBe(true);
    expect(liveKeyOutsideProduction(loadConfig({ ...live, PUBLIC_URL: 'http://shop.example' }))).toBe(true);
    expect(liveKeyOutsideProduction(loadConfig({ ...live, PUBLIC_URL: 'https://localhost:4242' }))).toBe(true);
    expect(liveKeyOutsideProduction(loadConfig({ ...live, PUBLIC_URL: 'https://shop.example', STRIPE_API_BASE: 'http://127.0.0.1:12111' }))).toBe(true);
    expect(liveKeyOutsideProduction(loadConfig({ ...live, PUBLIC_URL: 'https://shop.example' }))).toBe(false);
    expect(liveKeyOutsideProduction(loadConfig({ STRIPE_SECRET_KEY: 'sk_test_abc', STRIPE_WEBHOOK_SECRET: 'whsec_x' }))).toBe(false);
  });
});

describe('sidecar settings', () => {
  const key = ['k', 'a'.repeat(40)].join('_');
  const next = ['k', 'b'.repeat(40)].join('_');
  const secret = ['s', 'c'.repeat(40)].join('_');

  it('splits API keys and notify secrets for rotation; nothing set turns the API and posting off', () => {
    const config = loadConfig({ SETTLED_API_KEYS: ` ${key} , ${next}`, SETTLED_NOTIFY_URL: 'https://shop.example/notify', SETTLED_NOTIFY_SECRET: secret });
    expect(config.sidecar).toEqual({ apiKeys: [key, next], notify: { url: 'https://shop.example/notify', secrets: [secret] } });
    expect(loadConfig({}).sidecar).toEqual({ apiKeys: [], notify: undefined });
  });

  it('refuses short keys, a notify URL without a secret or with credentials, and never echoes them', () => {
    const problems = (env: Record<string, string>): string => {
      try {
        loadConfig(env);
      } catch (error) {
        return (error as ConfigError).problems.join('\n');
      }
      return '';
    };
    expect(problems({ SETTLED_API_KEYS: `${key},short` })).toMatch(/^SETTLED_API_KEYS: each API key must be at least 32/);
    expect(problems({ SETTLED_NOTIFY_SECRET: 'tiny' })).toMatch(/^SETTLED_NOTIFY_SECRET: each notify secret must be at least 32/);
    expect(problems({ SETTLED_NOTIFY_URL: 'ftp://shop.example' })).toMatch(/^SETTLED_NOTIFY_URL: must be an http\(s\) URL/);
    expect(problems({ SETTLED_NOTIFY_URL: 'https://shop.example/n' })).toMatch(/^SETTLED_NOTIFY_SECRET: required with SETTLED_NOTIFY_URL/);
    const withCredentials = problems({ SETTLED_NOTIFY_URL: `https://u:${secret}@shop.example/n`, SETTLED_NOTIFY_SECRET: secret });
    expect(withCredentials).toMatch(/^SETTLED_NOTIFY_URL: must not hold a user or password/);
    expect(withCredentials).not.toContain(secret);
    expect(problems({ SETTLED_API_KEYS: 'short' })).not.toContain('short');
  });
});

describe('defaults', () => {
  it('an empty environment gets the same values a library caller who sets nothing gets', () => {
    const config = loadConfig({});
    expect({
      port: config.port,
      host: config.host,
      poolSize: config.databasePoolSize,
      statementTimeoutMs: config.databaseStatementTimeoutMs,
      toleranceSeconds: config.stripe.toleranceSeconds,
      budgets: { request: config.stripe.requestBudgetMs, background: config.stripe.backgroundBudgetMs },
      rateLimits: config.rateLimits,
      worker: { maxAttempts: config.worker.maxAttempts, leaseMs: config.worker.leaseSeconds * 1000 },
      reconcile: {
        intervalMs: config.reconcile.intervalSeconds * 1000,
        lookbackSeconds: config.reconcile.lookbackSeconds,
        staleAfterMs: config.reconcile.staleAfterMs,
        retentionMs: config.deliveryLogRetentionDays * 86_400_000,
      },
    }).toEqual({
      port: DEFAULTS.port,
      host: DEFAULTS.host,
      poolSize: DEFAULTS.database.poolSize,
      statementTimeoutMs: DEFAULTS.database.statementTimeoutMs,
      toleranceSeconds: DEFAULTS.webhookToleranceSeconds,
      budgets: DEFAULTS.stripeBudgetMs,
      rateLimits: DEFAULTS.rateLimits,
      worker: { maxAttempts: DEFAULTS.worker.maxAttempts, leaseMs: DEFAULTS.worker.leaseMs },
      reconcile: {
        intervalMs: DEFAULTS.reconcile.intervalMs,
        lookbackSeconds: DEFAULTS.reconcile.lookbackSeconds,
        staleAfterMs: DEFAULTS.reconcile.staleAfterMs,
        retentionMs: DEFAULTS.reconcile.deliveryLogRetentionMs,
      },
    });
    // And the values themselves are what the README's configuration table says.
    expect([config.port, config.stripe.requestBudgetMs, config.rateLimits.webhookRejectedPerMinute, config.worker.maxAttempts]).toEqual([4242, 10_000, 60, 10]);
  });
});
