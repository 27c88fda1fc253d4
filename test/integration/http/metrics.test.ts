import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterEach, expect, it } from 'vitest';
import { computeOrderRef } from '../../../src/domain/order-ref.js';
import { createSettled, type Settled } from '../../../src/settled.js';
import { intakeOnlyOptions } from '../../support/intake-app.js';
import { describeEachStore } from '../../support/stores.js';

const SECRET = 'whsec_metricsTestSecre';
const signer = new Stripe('sk_test_signer');
const instances: Settled[] = [];

afterEach(async () => {
  await Promise.all(instances.splice(0).map((instance) => instance.close()));
});

/** The value of one sample line, e.g. sample(text, 'settled_webhooks_received_total{outcome="stored",reason="none"}'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describeEachStore('GET /metrics', (ctx) => {
  async function start(maxAttempts = 10): Promise<{ url: string; settled: Settled }> {
    const settled = await createSettled(intakeOnlyOptions(ctx.store, SECRET, { worker: { enabled: false, maxAttempts } }));
    instances.push(settled);
    await settled.app.listen({ port: 0, host: '127.0.0.1' });
    return { url: `http://127.0.0.1:${(settled.app.server.address() as AddressInfo).port}`, settled };
  }

  function deliver(url: string, id: string, secret = SECRET, type = 'customer.created'): Promise<Response> {
    // customer.created is not acted on, so the worker ignores it without asking Stripe.
    const body = JSON.stringify({ id, object: 'event', type, created: Math.floor(Date.now() / 1000), data: { object: { id: 'ch_1', object: 'charge', payment_intent: 'pi_1' } } });
    const signature = signer.webhooks.generateTestHeaderString({ payload: body, secret });
    return fetch(`${url}/api/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, body });
  }

  it('counts webhooks by outcome and reason and shows the inbox lag and processing latency, apart from another instance', async () => {
    const { url, settled } = await start();
    // A second instance in the same process keeps its own numbers.
    const other = await start();
    expect((await deliver(url, 'evt_metrics_1')).status).toBe(200);
    expect((await deliver(url, 'evt_metrics_2')).status).toBe(200);
    expect((await deliver(url, 'evt_metrics_1')).status).toBe(200);
    expect((await deliver(url, 'evt_metrics_3', 'whsec_notTheRightSecre')).status).toBe(400);

    const before = await fetch(`${url}/metrics`);
    expect(before.status).toBe(200);
    expect(before.headers.get('content-type')).toContain('text/plain');
    const text = await before.text();
    expect(sample(text, 'settled_webhooks_received_total{outcome="stored",reason="none"}')).toBe(2);
    expect(sample(text, 'settled_webhooks_received_total{outcome="duplicate",reason="none"}')).toBe(1);
    expect(sample(text, 'settled_webhooks_received_total{outcome="rejected",reason="signature_mismatch"}')).toBe(1);
    expect(sample(text, 'settled_inbox_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(text).toContain('settled_inbox_lag_seconds');
    expect(sample(text, 'settled_event_processing_seconds_count{outcome="ignored"}')).toBeUndefined();

    await settled.worker.drain();
    const after = await (await fetch(`${url}/metrics`)).text();
    expect(sample(after, 'settled_event_processing_seconds_count{outcome="ignored"}')).toBe(2);
    expect(sample(after, 'settled_inbox_lag_seconds')).toBe(0);
    expect(sample(after, 'settled_dead_letters_total')).toBe(0);

    const otherText = await (await fetch(`${other.url}/metrics`)).text();
    expect(sample(otherText, 'settled_webhooks_received_total{outcome="stored",reason="none"}')).toBeUndefined();
  });

  it('counts a failed event as a retry, or as a dead letter after the last attempt', async () => {
    // Stripe is unreachable here, so finding the order of a charge event fails.
    const retrying = await start(5);
    const giving = await start(1);
    // Both share one database: each event is delivered to, and drained by, one instance at a time.
    expect((await deliver(giving.url, 'evt_metrics_dead', SECRET, 'charge.refunded')).status).toBe(200);
    await giving.settled.worker.drain();
    expect((await deliver(retrying.url, 'evt_metrics_retry', SECRET, 'charge.refunded')).status).toBe(200);
    await retrying.settled.worker.drain();
    const retried = await (await fetch(`${retrying.url}/metrics`)).text();
    expect(sample(retried, 'settled_event_retries_total')).toBe(1);
    expect(sample(retried, 'settled_dead_letters_total')).toBe(0);
    expect(sample(retried, 'settled_event_processing_seconds_count{outcome="failed"}')).toBe(1);
    const dead = await (await fetch(`${giving.url}/metrics`)).text();
    expect(sample(dead, 'settled_event_retries_total')).toBe(0);
    expect(sample(dead, 'settled_dead_letters_total')).toBe(1);
  });

  it('reports orders by status from the store at scrape time', async () => {
    const { url } = await start();
    for (const id of ['ord_metricsAAAAAAAAAAAAAA', 'ord_metricsBBBBBBBBBBBBBB']) {
      const total = { amount: 3100, currency: 'usd' };
      await ctx.store.orders.create({
        id,
        lines: [{ sku: 'field-notes', name: 'Field Notes', quantity: 1, unitAmount: 3100, currency: 'usd' }],
        total,
        orderRef: computeOrderRef('k'.repeat(32), id, total),
        email: null,
        flow: 'checkout_session',
        checkoutSessionId: null,
        paymentIntentId: null,
        createdAt: Date.now(),
      });
    }
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(sample(text, 'settled_orders{status="pending"}')).toBe(2);
    expect(sample(text, 'settled_orders{status="fulfilled"}')).toBeUndefined();
  });
});
