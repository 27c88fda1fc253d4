import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface SignedEvent {
  readonly id: string;
  readonly body: string;
  /** The Stripe-Signature header, as Stripe computes it: t=<seconds>,v1=HMAC-SHA256(secret, "t.body"). */
  readonly signature: string;
}

const FIXTURES_PATH = process.env.STRIPE_FIXTURES_PATH ?? '/work/shared/stripe/fixtures3.json';

/** A complete checkout.session as Stripe sends it (≈3 KB), from Stripe's fixtures when present. */
function baseSession(): Record<string, unknown> {
  try {
    const fixtures = JSON.parse(readFileSync(FIXTURES_PATH, 'utf8')) as { resources: Record<string, Record<string, unknown>> };
    const session = fixtures.resources['checkout.session'];
    if (session) return session;
  } catch {
    // Fall through to a padded stand-in of the same size.
  }
  return { object: 'checkout.session', mode: 'payment', status: 'complete', payment_status: 'paid', padding: 'x'.repeat(2900) };
}

export function signPayload(secret: string, body: string, timestampSeconds: number): string {
  const v1 = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${v1}`;
}

export const BENCH_ORDER_TOTAL = { amount: 1200, currency: 'usd' } as const;
export const BENCH_ORDER_REF = 'bench';

/**
 * Makes distinct `checkout.session.completed` events. The JSON is serialised once around a marker and only the
 * ids change, so millions can be made quickly; each is signed with the time it was made.
 */
export function createEventFactory(options: { secret: string; runId: string }) {
  const marker = '__BENCH_N__';
  const session = {
    ...baseSession(),
    id: `cs_test_${options.runId}_${marker}`,
    object: 'checkout.session',
    status: 'complete',
    payment_status: 'paid',
    client_reference_id: `ord_${options.runId}_${marker}`,
    // What the bench's seeded orders were made with (seed-orders.ts), so that a worker applying them pays them.
    amount_total: BENCH_ORDER_TOTAL.amount,
    currency: BENCH_ORDER_TOTAL.currency,
    metadata: { order_id: `ord_${options.runId}_${marker}`, order_ref: BENCH_ORDER_REF },
    payment_intent: `pi_${options.runId}_${marker}`,
  };
  const envelope = {
    id: `evt_${options.runId}_${marker}`,
    object: 'event',
    api_version: '2025-03-31.basil',
    created: 0,
    data: { object: session },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: 'checkout.session.completed',
  };
  const parts = JSON.stringify(envelope).split(marker);
  return function signedEvent(n: number, nowSeconds = Math.floor(Date.now() / 1000)): SignedEvent {
    const body = parts.join(String(n)).replace('"created":0', `"created":${nowSeconds}`);
    return { id: `evt_${options.runId}_${n}`, body, signature: signPayload(options.secret, body, nowSeconds) };
  };
}
