import fc from 'fast-check';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../../src/stripe/webhook-signature.js';

const stripe = new Stripe('sk_test_unit');
const SECRET = 'whsec_unitTestSecret01';
const OTHER = 'whsec_someoneElsesSecr';
const NOW_MS = 1_800_000_000_000;
const NOW_S = NOW_MS / 1000;

function eventBody(id = 'evt_1'): string {
  return JSON.stringify({ id, object: 'event', type: 'checkout.session.completed', created: NOW_S, data: { object: { id: 'cs_test_1', object: 'checkout.session' } } });
}

function sign(payload: string, secret = SECRET, timestamp = NOW_S): string {
  return stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
}

function check(payload: string, header: string | undefined, secrets: string[] = [SECRET], nowMs = NOW_MS) {
  return verifyWebhook({ rawBody: Buffer.from(payload), signatureHeader: header, secrets, toleranceSeconds: 300, nowMs });
}

describe('verifyWebhook', () => {
  it('accepts an event signed with the configured secret', () => {
    const body = eventBody();
    const result = check(body, sign(body));
    expect(result.kind).toBe('verified');
    if (result.kind === 'verified') expect(result.event.id).toBe('evt_1');
  });

  it('accepts a signature under any of the rotated secrets', () => {
    const body = eventBody();
    expect(check(body, sign(body, SECRET), [OTHER, SECRET]).kind).toBe('verified');
  });

  it('refuses a body changed after signing, for any change', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), fc.nat(), (insert, at) => {
        const body = eventBody();
        const position = at % body.length;
        const tampered = body.slice(0, position) + insert + body.slice(position);
        fc.pre(tampered !== body);
        const result = check(tampered, sign(body));
        expect(result).toMatchObject({ kind: 'rejected', code: 'signature_mismatch' });
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a signature made with another secret', () => {
    const body = eventBody();
    expect(check(body, sign(body, OTHER))).toMatchObject({ kind: 'rejected', code: 'signature_mismatch' });
  });

  it('refuses a correctly signed event older than the tolerance as stale', () => {
    const body = eventBody();
    expect(check(body, sign(body, SECRET, NOW_S - 301))).toMatchObject({ kind: 'rejected', code: 'stale_timestamp' });
    expect(check(body, sign(body, SECRET, NOW_S - 299)).kind).toBe('verified');
  });

  it('refuses a missing or malformed header with its own code', () => {
    const body = eventBody();
    expect(check(body, undefined)).toMatchObject({ code: 'missing_signature' });
    expect(check(body, '')).toMatchObject({ code: 'missing_signature' });
    expect(check(body, 'garbage')).toMatchObject({ code: 'malformed_signature' });
    expect(check(body, `t=${NOW_S}`)).toMatchObject({ code: 'malformed_signature' });
  });

  it('ignores v0 signatures: only v1 counts', () => {
    const body = eventBody();
    const v1 = sign(body).split(',').find((part) => part.startsWith('v1='))!.slice(3);
    expect(check(body, `t=${NOW_S},v0=${v1}`)).toMatchObject({ code: 'malformed_signature' });
  });

  it('refuses a signed body that is not a Stripe event', () => {
    for (const payload of ['not json', '{"id":"evt_1"}', '[]', '{"id":"","type":"x","created":1,"data":{"object":{}}}']) {
      expect(check(payload, sign(payload))).toMatchObject({ kind: 'rejected', code: 'invalid_payload' });
    }
  });

  it('never echoes the secret in a rejection', () => {
    const body = eventBody();
    const result = check(body, sign(body, OTHER));
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });
});
