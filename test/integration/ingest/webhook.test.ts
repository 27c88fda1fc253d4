import { createHmac } from 'node:crypto';
import Stripe from 'stripe';
import { expect, it } from 'vitest';
import { createSettled, type Settled } from '../../../src/settled.js';
import type { Store } from '../../../src/store/index.js';
import { intakeOnlyOptions, listenOnLoopback } from '../../support/intake-app.js';
import { describeEachStore } from '../../support/stores.js';

const SECRET = 'whsec_ingestTestSecret';
const signer = new Stripe('sk_test_signer');

async function startApp(store: Store): Promise<{ settled: Settled; url: string }> {
  // The intake never calls Stripe; its client points at a closed port.
  const settled = await createSettled(intakeOnlyOptions(store, SECRET));
  return { settled, url: `${await listenOnLoopback(settled)}/api/webhooks/stripe` };
}

function event(id: string): string {
  return JSON.stringify({
    id,
    object: 'event',
    api_version: '2026-10-28.endive',
    created: Math.floor(Date.now() / 1000),
    type: 'checkout.session.completed',
    data: { object: { id: 'cs_test_x', object: 'checkout.session', metadata: {} } },
  });
}

function post(url: string, body: string, header: string | undefined, contentType = 'application/json'): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': contentType };
  if (header !== undefined) headers['stripe-signature'] = header;
  return fetch(url, { method: 'POST', headers, body });
}

function signed(body: string, secret = SECRET, timestamp = Math.floor(Date.now() / 1000)): string {
  return signer.webhooks.generateTestHeaderString({ payload: body, secret, timestamp });
}

describeEachStore('webhook intake', (ctx) => {
  it('stores non-ASCII text as sent, and refuses bytes that are not UTF-8 even when signed over them', async () => {
    const { settled, url } = await startApp(ctx.store);
    try {
      const body = event('evt_utf8').replace('"metadata":{}', '"metadata":{"buyer":"Zoë Ångström ☕"}');
      expect((await post(url, body, signed(body))).status).toBe(200);
      expect((await ctx.store.inbox.get('evt_utf8'))?.payload).toBe(body);

      // A lone 0xff byte is not UTF-8: what would be stored is not what was signed, so nothing is stored.
      const raw = Buffer.concat([Buffer.from(event('evt_not_utf8').slice(0, -1)), Buffer.from([0x2c, 0x22, 0x78, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])]);
      const timestamp = Math.floor(Date.now() / 1000);
      const v1 = createHmac('sha256', SECRET).update(Buffer.concat([Buffer.from(`${timestamp}.`), raw])).digest('hex');
      const header = `t=${timestamp},v1=${v1}`;
      const refused = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': header }, body: raw });
      expect(refused.status).toBe(400);
      expect(await ctx.store.inbox.get('evt_not_utf8')).toBeUndefined();
    } finally {
      await settled.close();
    }
  });

  it('stores a verified event exactly as received and then answers 200', async () => {
    const { settled, url } = await startApp(ctx.store);
    try {
      const body = event('evt_stored_1');
      const response = await post(url, body, signed(body));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ received: true, duplicate: false });
      const row = await ctx.store.inbox.get('evt_stored_1');
      expect(row).toMatchObject({ type: 'checkout.session.completed', payload: body, source: 'webhook', status: 'pending' });
    } finally {
      await settled.close();
    }
  });

  it('acknowledges a repeated event and keeps one row', async () => {
    const { settled, url } = await startApp(ctx.store);
    try {
      const body = event('evt_dup_1');
      expect((await post(url, body, signed(body))).status).toBe(200);
      const again = await post(url, body, signed(body));
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual({ received: true, duplicate: true });
      expect((await ctx.store.inbox.list({ limit: 10 })).map((e) => e.id)).toEqual(['evt_dup_1']);
    } finally {
      await settled.close();
    }
  });

  it('50 concurrent deliveries of the same event leave one inbox row, all acknowledged', async () => {
    const { settled, url } = await startApp(ctx.store);
    try {
      const body = event('evt_storm_1');
      const responses = await Promise.all(Array.from({ length: 50 }, () => post(url, body, signed(body))));
      expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
      const answers = await Promise.all(responses.map((r) => r.json() as Promise<{ duplicate: boolean }>));
      expect(answers.filter((a) => !a.duplicate)).toHaveLength(1);
      const stats = await ctx.store.inbox.stats();
      expect(stats.counts.pending).toBe(1);
    } finally {
      await settled.close();
    }
  });

  it('refuses forged, stale, re-keyed and tampered requests and stores nothing', async () => {
    const { settled, url } = await startApp(ctx.store);
    try {
      const body = event('evt_bad_1');
      const cases: [Response, number, string][] = [
        [await post(url, body, undefined), 400, 'missing_signature'],
        [await post(url, body, 't=1,v1=deadbeef'), 400, 'signature_mismatch'],
        [await post(url, body, 'nonsense'), 400, 'malformed_signature'],
        [await post(url, body, signed(body, 'whsec_notOurSecret1234')), 400, 'signature_mismatch'],
        [await post(url, body, signed(body, SECRET, Math.floor(Date.now() / 1000) - 3600)), 400, 'stale_timestamp'],
        [await post(url, body.replace('evt_bad_1', 'evt_bad_2'), signed(body)), 400, 'signature_mismatch'],
        [await post(url, 'not json', signed('not json')), 400, 'invalid_payload'],
        [await post(url, body, signed(body), 'text/plain'), 415, 'unsupported_media_type'],
      ];
      for (const [response, status, code] of cases) {
        expect({ status: response.status, code: ((await response.json()) as { error: { code: string } }).error.code }).toEqual({ status, code });
      }
      expect((await ctx.store.inbox.stats()).counts.pending).toBe(0);
    } finally {
      await settled.close();
    }
  });

  it('answers 503 when the event cannot be stored, so Stripe retries', async () => {
    const other = await ctx.openAnother();
    const { settled, url } = await startApp(other);
    try {
      await other.close();
      const body = event('evt_unstored_1');
      const response = await post(url, body, signed(body));
      expect(response.status).toBe(503);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('store_unavailable');
      expect(await ctx.store.inbox.get('evt_unstored_1')).toBeUndefined();
    } finally {
      await settled.close();
    }
  });

  /** Reads until `done` holds or the deadline passes (the delivery log is written after the answer). */
  async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (done(value) || Date.now() > deadline) return value;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  const countedRequests = async (): Promise<number> =>
    (await ctx.store.rejectionCounts.totals({ limit: 1000 })).reduce((sum, total) => sum + total.requests, 0);

  it("logs an address's first five refusals of a minute one row each and counts the rest, 429s included", async () => {
    // One minute for the whole flood, whatever the wall clock does meanwhile.
    const fixedNow = Date.now();
    const settled = await createSettled(intakeOnlyOptions(ctx.store, SECRET, { now: () => fixedNow }));
    const url = `${await listenOnLoopback(settled)}/api/webhooks/stripe`;
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 70; i++) {
        const body = event(`evt_forged_${i}`);
        statuses.push((await post(url, body, signed(body, 'whsec_notOurSecret1234'))).status);
      }
      // The default limit: 60 refusals an address a minute.
      expect(statuses).toEqual([...Array<number>(60).fill(400), ...Array<number>(10).fill(429)]);
      expect(await until(countedRequests, (counted) => counted === 65)).toBe(65);
      const rows = await until(() => ctx.store.deliveryLog.list({ limit: 100, outcome: 'rejected' }), (listed) => listed.length >= 5);
      expect(rows.map((row) => row.eventId).sort()).toEqual(['evt_forged_0', 'evt_forged_1', 'evt_forged_2', 'evt_forged_3', 'evt_forged_4']);
      const minuteStart = Math.floor(fixedNow / 60_000) * 60_000;
      expect(await ctx.store.rejectionCounts.totals({ limit: 10 })).toEqual([
        { sourceAddress: '127.0.0.1', reason: 'signature_mismatch', requests: 65, firstMinuteStart: minuteStart, lastMinuteStart: minuteStart },
      ]);
    } finally {
      await settled.close();
    }
  });

  it('bounds the rows a minute of forgeries from hundreds of addresses costs, counting the excess under other', async () => {
    const fixedNow = Date.now();
    const settled = await createSettled(intakeOnlyOptions(ctx.store, SECRET, { now: () => fixedNow, trustProxy: true }));
    const url = `${await listenOnLoopback(settled)}/api/webhooks/stripe`;
    const forgeFrom = (address: string, id: string) => {
      const body = event(id);
      return fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': signed(body, 'whsec_notOurSecret1234'), 'x-forwarded-for': address },
        body,
      });
    };
    try {
      for (let i = 0; i < 7; i++) expect((await forgeFrom('198.51.100.1', `evt_heavy_${i}`)).status).toBe(400);
      const addresses = Array.from({ length: 210 }, (_, i) => `10.0.${Math.floor(i / 200)}.${i % 200}`);
      for (let start = 0; start < addresses.length; start += 30) {
        const answers = await Promise.all(addresses.slice(start, start + 30).map((address, i) => forgeFrom(address, `evt_spread_${start + i}`)));
        expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 400));
      }
      // 217 refusals: 100 rows (the minute's share), 117 counted in 101 (address, reason) rows plus the catch-all.
      expect(await until(countedRequests, (counted) => counted === 117)).toBe(117);
      expect(await until(() => ctx.store.deliveryLog.list({ limit: 1000, outcome: 'rejected' }), (rows) => rows.length >= 100)).toHaveLength(100);
      const totals = await ctx.store.rejectionCounts.totals({ limit: 1000 });
      expect(totals).toHaveLength(101);
      expect(totals.find((total) => total.sourceAddress === '198.51.100.1')?.requests).toBe(2);
      expect(totals.find((total) => total.sourceAddress === 'other')?.requests).toBe(16);
    } finally {
      await settled.close();
    }
  });
});
