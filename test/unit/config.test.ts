import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

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
});
