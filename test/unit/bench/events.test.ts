import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { createEventFactory } from '../../../bench/support/events.js';
import { verifyWebhook } from '../../../src/stripe/webhook-signature.js';

const secret = 'whsec_benchtest0123456789';

describe('bench event generator', () => {
  it('makes distinct checkout.session.completed events of about 3 KB that settled and the Stripe SDK both accept', () => {
    const make = createEventFactory({ secret, runId: 'r1' });
    const now = Math.floor(Date.now() / 1000);
    const events = [make(0, now), make(1, now), make(12345, now)];
    expect(new Set(events.map((e) => e.id)).size).toBe(3);
    const sessionIds = new Set<string>();
    for (const event of events) {
      expect(Buffer.byteLength(event.body)).toBeGreaterThan(2_500);
      expect(Buffer.byteLength(event.body)).toBeLessThan(4_500);
      const check = verifyWebhook({ rawBody: Buffer.from(event.body), signatureHeader: event.signature, secrets: [secret], toleranceSeconds: 300, nowMs: now * 1000 });
      expect(check.kind).toBe('verified');
      const parsed = new Stripe('sk_test_x').webhooks.constructEvent(event.body, event.signature, secret, 300);
      expect(parsed).toMatchObject({ id: event.id, type: 'checkout.session.completed' });
      sessionIds.add((parsed.data.object as { id: string }).id);
    }
    expect(sessionIds.size).toBe(3);
  });

  it('signs with the given time, so an event made long ago is refused by the 300 s tolerance', () => {
    const make = createEventFactory({ secret, runId: 'r2' });
    const now = Math.floor(Date.now() / 1000);
    const stale = make(7, now - 301);
    const check = verifyWebhook({ rawBody: Buffer.from(stale.body), signatureHeader: stale.signature, secrets: [secret], toleranceSeconds: 300, nowMs: now * 1000 });
    expect(check.kind).toBe('rejected');
  });
});
