import fc from 'fast-check';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/defaults.js';
import { notificationSignatureHeader } from '../../../src/notify/shop-notifier.js';
import { verifyWebhook } from '../../../src/stripe/webhook-signature.js';
import { nextAttemptDelayMs } from '../../../src/worker/backoff.js';

const stripe = new Stripe('sk_test_unit');
// Secrets as SETTLED_NOTIFY_SECRET accepts them: 32 or more visible characters, no comma (it separates them), no
// white space (which the SDK would trim away).
const SECRET = fc.stringMatching(/^[\x21-\x2b\x2d-\x7e]{32,64}$/);
const event = (id: string) => JSON.stringify({ id, type: 'order.paid', created: 1, data: { object: { id: 'ord_1' } } });

describe('notification signatures', () => {
  it('verify under each secret of a rotation with the official SDK, and under no other', () => {
    fc.assert(
      fc.property(fc.array(SECRET, { minLength: 1, maxLength: 3 }), SECRET, (secrets, other) => {
        const body = event('ntf_1');
        const now = Math.floor(Date.now() / 1000);
        const header = notificationSignatureHeader(body, secrets, now);
        expect(header.split(',').filter((part) => part.startsWith('v1='))).toHaveLength(secrets.length);
        for (const secret of secrets) expect(stripe.webhooks.constructEvent(body, header, secret)).toMatchObject({ id: 'ntf_1' });
        if (!secrets.includes(other)) expect(() => stripe.webhooks.constructEvent(body, header, other)).toThrow();
        expect(verifyWebhook({ rawBody: `${body} `, signatureHeader: header, secrets, toleranceSeconds: 300, nowMs: now * 1000 }).kind).toBe('rejected');
      }),
      { numRuns: 50 },
    );
  });
});

describe('the notification retry schedule', () => {
  it('spans about three days before a notification is dead, whatever the jitter', () => {
    const { maxAttempts, backoff } = DEFAULTS.notify;
    const total = (random: () => number): number => {
      let sum = 0;
      // A message fails at attempts 1 … maxAttempts - 1 and waits after each; the last failure makes it dead.
      for (let attempts = 1; attempts < maxAttempts; attempts += 1) sum += nextAttemptDelayMs(attempts, { ...backoff, random });
      return sum / 86_400_000;
    };
    expect(total(() => 0)).toBeGreaterThan(1.9);
    expect(total(() => 0.5)).toBeGreaterThan(2.5);
    expect(total(() => 0.5)).toBeLessThan(3.5);
    expect(total(() => 1)).toBeLessThan(4);
  });
});
