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

  it('gives each refusal its code from the header itself, however the SDK would word it', () => {
    const body = eventBody();
    const header = sign(body);
    const t = /t=(\d+)/.exec(header)![1]!;
    const v1 = /v1=([0-9a-f]+)/.exec(header)![1]!;
    // Reordered parts and a v0 beside the v1 are still Stripe's header.
    expect(check(body, `v0=${'0'.repeat(64)},v1=${v1},t=${t}`)).toMatchObject({ kind: 'verified' });
    // No timestamp that is a number, or no v1 at all: malformed, whatever words the SDK has for each.
    for (const malformed of [`t=abc,v1=${v1}`, `v1=${v1}`, `t=${t}`, `t=${t},V1=${v1}`, `t=${t};v1=${v1}`, '=', ',,,']) {
      expect(check(body, malformed), malformed).toMatchObject({ kind: 'rejected', code: 'malformed_signature' });
    }
    // A v1 that is no SHA-256 at all, or the right one in capitals, matches nothing.
    expect(check(body, `t=${t},v1=zz`)).toMatchObject({ code: 'signature_mismatch' });
    expect(check(body, `t=${t},v1=${v1.toUpperCase()}`)).toMatchObject({ code: 'signature_mismatch' });
    // A stale timestamp is reported only for a signature that matched: otherwise it is a mismatch.
    const old = NOW_S - 3600;
    expect(check(body, sign(body, SECRET, old))).toMatchObject({ code: 'stale_timestamp' });
    expect(check(body, sign(body, OTHER, old))).toMatchObject({ code: 'signature_mismatch' });
  });

  it('accepts exactly what the SDK\'s constructEvent accepts, for any body, secret, timestamp and tampering', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200 }),
        fc.constantFrom(SECRET, OTHER),
        fc.integer({ min: -900, max: 900 }),
        fc.boolean(),
        (text, signer, ageSeconds, tamper) => {
          const body = JSON.stringify({ id: 'evt_p', object: 'event', type: 'charge.refunded', created: NOW_S, data: { object: { note: text } } });
          const header = sign(body, signer, NOW_S - ageSeconds);
          const sent = tamper ? body.replace('evt_p', 'evt_q') : body;
          let sdkAccepts = true;
          try {
            stripe.webhooks.constructEvent(sent, header, SECRET, 300, undefined, NOW_MS);
          } catch {
            sdkAccepts = false;
          }
          expect(check(sent, header).kind === 'verified').toBe(sdkAccepts);
        },
      ),
      { numRuns: 300 },
    );
  });
});
