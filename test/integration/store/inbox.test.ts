import { describe, expect, it } from 'vitest';
import type { NewInboxEvent } from '../../../src/store/index.js';
import { describeEachStore } from '../../support/stores.js';

function event(id: string, receivedAt = 1_000, payload = `{"id":"${id}"}`): NewInboxEvent {
  return { id, type: 'checkout.session.completed', payload, source: 'webhook', receivedAt };
}

describe('store inbox', () => {
  describeEachStore('inbox', (ctx) => {
    it('adds a batch once per event id and leaves an existing event untouched by its duplicate', async () => {
      const first = await ctx.store.inbox.add([event('evt_a'), event('evt_b'), event('evt_a', 1_001, '{"dup":1}')]);
      expect(first).toEqual([
        { id: 'evt_a', inserted: true },
        { id: 'evt_b', inserted: true },
        { id: 'evt_a', inserted: false },
      ]);
      const second = await ctx.store.inbox.add([event('evt_b', 2_000, '{"changed":true}'), event('evt_c')]);
      expect(second).toEqual([
        { id: 'evt_b', inserted: false },
        { id: 'evt_c', inserted: true },
      ]);
      const b = await ctx.store.inbox.get('evt_b');
      expect(b).toMatchObject({ payload: '{"id":"evt_b"}', receivedAt: 1_000, status: 'pending', attempts: 0, runAt: 1_000 });
      expect((await ctx.store.inbox.get('evt_a'))?.payload).toBe('{"id":"evt_a"}');
      expect(await ctx.store.inbox.get('evt_missing')).toBeUndefined();
    });

    it('reads several events in one call, in arrival order, leaving out ids it does not hold', async () => {
      await ctx.store.inbox.add([event('evt_late', 3_000), event('evt_early', 1_000), event('evt_mid', 2_000)]);
      const found = await ctx.store.inbox.getMany(['evt_late', 'evt_missing', 'evt_early', 'evt_mid']);
      expect(found.map((row) => row.id)).toEqual(['evt_early', 'evt_mid', 'evt_late']);
      expect(await ctx.store.inbox.getMany([])).toEqual([]);
    });

    it('releases claims the store failed under as if never claimed: pending, due now, the attempt not spent', async () => {
      await ctx.store.inbox.add([event('evt_r1'), event('evt_r2')]);
      const claimed = await ctx.store.inbox.claim({ workerId: 'w1', limit: 10, leaseMs: 60_000, now: 5_000 });
      expect(claimed.map((row) => row.attempts)).toEqual([1, 1]);
      // Another worker's claim is not this worker's to release.
      expect(await ctx.store.inbox.release({ ids: ['evt_r1', 'evt_r2'], workerId: 'w2', now: 6_000 })).toBe(0);
      expect(await ctx.store.inbox.release({ ids: ['evt_r1', 'evt_r2'], workerId: 'w1', now: 6_000 })).toBe(2);
      expect(await ctx.store.inbox.get('evt_r1')).toMatchObject({ status: 'pending', attempts: 0, runAt: 6_000, lockedBy: null, lockedUntil: null });
      expect((await ctx.store.inbox.claim({ workerId: 'w2', limit: 10, leaseMs: 60_000, now: 6_000 })).map((row) => row.id).sort()).toEqual(['evt_r1', 'evt_r2']);
    });

    it('keeps a payload byte for byte, whatever characters it holds', async () => {
      const payload = '{"id":"evt_u","name":"Zoë’s café ☕ 🧾","note":"tab\\t, quote \\" and \\\\u0000 escaped"}';
      await ctx.store.inbox.add([event('evt_u', 1_000, payload)]);
      expect((await ctx.store.inbox.get('evt_u'))?.payload).toBe(payload);
    });

    it('keeps every payload of a batch apart and in its place, escaped separators and all', async () => {
      // JSON may hold U+001E escaped (the six characters \u001e), never raw; the escaped form is just text.
      const payloads = ['{"id":"evt_p0","a":"\\u001e","q":"\\"{}\\","}', '{"id":"evt_p1","b":[1,2,{"c":null}]}', '{}', '{"id":"evt_p3","d":"x"}'];
      await ctx.store.inbox.add(payloads.map((payload, n) => event(`evt_p${n}`, 1_000 + n, payload)));
      for (const [n, payload] of payloads.entries()) expect((await ctx.store.inbox.get(`evt_p${n}`))?.payload).toBe(payload);
    });

    it('refuses a batch holding a payload that is not JSON text (empty, or a raw U+001E), and stores none of it', async () => {
      for (const payload of ['', '{"id":"evt_raw","a":"\u001e"}']) {
        await expect(ctx.store.inbox.add([event('evt_fine'), event('evt_raw', 1_000, payload)])).rejects.toThrow(/evt_raw: its payload must be the event's JSON text/);
      }
      expect(await ctx.store.inbox.get('evt_fine')).toBeUndefined();
      expect(await ctx.store.inbox.get('evt_raw')).toBeUndefined();
    });

    it('writes the delivery line of each event that carries one in the same commit: stored, or duplicate', async () => {
      const delivered = (id: string, receivedAt: number, payload: string, signatureHeader: string): NewInboxEvent => ({
        ...event(id, receivedAt, payload),
        delivery: { sourceAddress: '3.18.12.63', signatureHeader },
      });
      await ctx.store.inbox.add([event('evt_old', 500, '{"from":"reconcile"}')]);
      const results = await ctx.store.inbox.add([
        delivered('evt_new', 1_000, '{"id":"evt_new","é":1}', 't=1,v1=aa'),
        delivered('evt_new', 1_001, '{"id":"evt_new","é":1}', 't=2,v1=bb'),
        delivered('evt_old', 1_002, '{"id":"evt_old"}', 't=3,v1=cc'),
        event('evt_plain', 1_003),
      ]);
      expect(results.map((r) => r.inserted)).toEqual([true, false, false, true]);
      const lines = await ctx.store.deliveryLog.list({ limit: 10 });
      expect(lines.map(({ id: _id, ...line }) => line)).toEqual([
        { receivedAt: 1_002, sourceAddress: '3.18.12.63', outcome: 'duplicate', reason: null, eventId: 'evt_old', eventType: 'checkout.session.completed', signatureHeader: 't=3,v1=cc' },
        { receivedAt: 1_001, sourceAddress: '3.18.12.63', outcome: 'duplicate', reason: null, eventId: 'evt_new', eventType: 'checkout.session.completed', signatureHeader: 't=2,v1=bb' },
        { receivedAt: 1_000, sourceAddress: '3.18.12.63', outcome: 'stored', reason: null, eventId: 'evt_new', eventType: 'checkout.session.completed', signatureHeader: 't=1,v1=aa' },
      ]);
    });

    it('a batch that cannot commit leaves neither its events nor their delivery lines', async () => {
      const notNull = { ...event('evt_bad'), type: null as unknown as string, delivery: { sourceAddress: null, signatureHeader: 't=1,v1=aa' } };
      await expect(ctx.store.inbox.add([{ ...event('evt_ok'), delivery: { sourceAddress: null, signatureHeader: 't=1,v1=bb' } }, notNull])).rejects.toThrow();
      expect(await ctx.store.inbox.get('evt_ok')).toBeUndefined();
      expect(await ctx.store.deliveryLog.list({ limit: 10 })).toEqual([]);
    });

    it('concurrent batches holding the same events in different orders all commit, each event once', async () => {
      const others = await Promise.all([1, 2].map(() => ctx.openAnother({ poolSize: 6 })));
      const stores = [ctx.store, ...others];
      // Like Stripe's retries reaching several processes: small batches, each a different pick of the same events
      // in its own order. Written in the order given, two batches each hold an id the other waits for.
      let seed = 7;
      const random = () => (seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647;
      const payload = JSON.stringify({ padding: 'x'.repeat(3000) });
      for (let round = 0; round < 20; round++) {
        const ids = Array.from({ length: 12 }, (_, n) => `evt_r${round}_${n}`);
        const batches = Array.from({ length: 12 }, (_, b) => {
          const pick = ids.map((id) => ({ id, key: random() })).sort((x, y) => x.key - y.key).slice(0, 8);
          return stores[b % stores.length]!.inbox.add(pick.map(({ id }) => event(id, 1_000, payload)));
        });
        const results = await Promise.all(batches);
        const inserted = results.flat().filter((r) => r.inserted).map((r) => r.id);
        expect(new Set(inserted).size).toBe(inserted.length);
      }
    });

    it('claims due events oldest first, counting attempts and recording the lease', async () => {
      await ctx.store.inbox.add([event('evt_late', 5_000), event('evt_2', 2_000), event('evt_1', 1_000)]);
      const claimed = await ctx.store.inbox.claim({ workerId: 'w1', limit: 10, leaseMs: 30_000, now: 3_000 });
      expect(claimed.map((e) => e.id)).toEqual(['evt_1', 'evt_2']);
      expect(claimed[0]).toMatchObject({ status: 'processing', attempts: 1, lockedBy: 'w1', lockedUntil: 33_000 });
      expect(await ctx.store.inbox.claim({ workerId: 'w2', limit: 10, leaseMs: 30_000, now: 4_000 })).toEqual([]);
    });

    it("answers each claim with its own events' payloads, even after the same worker's claim in the same millisecond", async () => {
      const payload = (id: string) => JSON.stringify({ id, data: { object: { metadata: { order: `ord_${id}` } } } });
      await ctx.store.inbox.add(['evt_1', 'evt_2', 'evt_3'].map((id, n) => event(id, 1_000 + n, payload(id))));
      const first = await ctx.store.inbox.claim({ workerId: 'w1', limit: 2, leaseMs: 30_000, now: 3_000 });
      const second = await ctx.store.inbox.claim({ workerId: 'w1', limit: 10, leaseMs: 30_000, now: 3_000 });
      expect(first.map((e) => [e.id, e.payload])).toEqual([['evt_1', payload('evt_1')], ['evt_2', payload('evt_2')]]);
      expect(second.map((e) => [e.id, e.payload])).toEqual([['evt_3', payload('evt_3')]]);
    });

    it('completes only a claim the worker still holds', async () => {
      await ctx.store.inbox.add([event('evt_1')]);
      await ctx.store.inbox.claim({ workerId: 'w1', limit: 1, leaseMs: 1_000, now: 1_000 });
      expect(await ctx.store.inbox.complete({ id: 'evt_1', workerId: 'w2', status: 'processed', orderId: null, outcome: 'x', now: 1_100 })).toBe(false);
      expect(await ctx.store.inbox.complete({ id: 'evt_1', workerId: 'w1', status: 'processed', orderId: 'ord_1', outcome: 'applied', now: 1_200 })).toBe(true);
      expect(await ctx.store.inbox.get('evt_1')).toMatchObject({ status: 'processed', orderId: 'ord_1', outcome: 'applied', processedAt: 1_200, lockedBy: null, lockedUntil: null });
      expect(await ctx.store.inbox.complete({ id: 'evt_1', workerId: 'w1', status: 'ignored', orderId: null, outcome: 'again', now: 1_300 })).toBe(false);
    });

    it('each completion writes its own event\'s values, one after another through the same statement', async () => {
      await ctx.store.inbox.add([event('evt_c1'), event('evt_c2'), event('evt_c3')]);
      await ctx.store.inbox.claim({ workerId: 'w1', limit: 3, leaseMs: 1_000, now: 1_000 });
      const done = [
        { id: 'evt_c1', workerId: 'w1', status: 'ignored' as const, orderId: null, outcome: 'no order', now: 1_100 },
        { id: 'evt_c2', workerId: 'w1', status: 'processed' as const, orderId: 'ord_2', outcome: 'applied: order is paid', now: 1_200 },
        { id: 'evt_c3', workerId: 'w1', status: 'processed' as const, orderId: 'ord_3', outcome: 'applied: order is refunded', now: 1_300 },
      ];
      for (const completion of done) expect(await ctx.store.inbox.complete(completion)).toBe(true);
      for (const { id, status, orderId, outcome, now } of done) {
        expect(await ctx.store.inbox.get(id)).toMatchObject({ status, orderId, outcome, processedAt: now, lockedBy: null, lockedUntil: null, attempts: 1 });
      }
    });

    it('a failed event waits until its retry time, and a dead one is never claimed again until requeued', async () => {
      await ctx.store.inbox.add([event('evt_1')]);
      await ctx.store.inbox.claim({ workerId: 'w1', limit: 1, leaseMs: 1_000, now: 1_000 });
      expect(await ctx.store.inbox.fail({ id: 'evt_1', workerId: 'w1', error: 'boom', runAt: 10_000, dead: false, now: 1_100 })).toBe(true);
      expect(await ctx.store.inbox.get('evt_1')).toMatchObject({ status: 'pending', lastError: 'boom', runAt: 10_000, lockedBy: null });
      expect(await ctx.store.inbox.claim({ workerId: 'w1', limit: 1, leaseMs: 1_000, now: 9_999 })).toEqual([]);
      const [retried] = await ctx.store.inbox.claim({ workerId: 'w1', limit: 1, leaseMs: 1_000, now: 10_000 });
      expect(retried?.attempts).toBe(2);

      expect(await ctx.store.inbox.fail({ id: 'evt_1', workerId: 'w1', error: 'still boom', runAt: 20_000, dead: true, now: 10_100 })).toBe(true);
      expect(await ctx.store.inbox.get('evt_1')).toMatchObject({ status: 'dead', lastError: 'still boom' });
      expect(await ctx.store.inbox.claim({ workerId: 'w1', limit: 1, leaseMs: 1_000, now: 99_000 })).toEqual([]);

      expect(await ctx.store.inbox.requeue({ id: 'evt_1', now: 100_000 })).toBe(true);
      expect(await ctx.store.inbox.get('evt_1')).toMatchObject({ status: 'pending', attempts: 0, runAt: 100_000 });
      expect(await ctx.store.inbox.requeue({ id: 'evt_1', now: 100_000 })).toBe(false);
      expect((await ctx.store.inbox.claim({ workerId: 'w2', limit: 1, leaseMs: 1_000, now: 100_000 })).map((e) => e.id)).toEqual(['evt_1']);
    });

    it('an expired lease lets another worker take the event, and the first worker can no longer finish it', async () => {
      await ctx.store.inbox.add([event('evt_1')]);
      await ctx.store.inbox.claim({ workerId: 'w1', limit: 1, leaseMs: 1_000, now: 1_000 });
      expect(await ctx.store.inbox.claim({ workerId: 'w2', limit: 1, leaseMs: 1_000, now: 1_999 })).toEqual([]);
      const [taken] = await ctx.store.inbox.claim({ workerId: 'w2', limit: 1, leaseMs: 1_000, now: 2_000 });
      expect(taken).toMatchObject({ id: 'evt_1', lockedBy: 'w2', attempts: 2, lockedUntil: 3_000 });
      expect(await ctx.store.inbox.fail({ id: 'evt_1', workerId: 'w1', error: 'late', runAt: 5_000, dead: false, now: 2_100 })).toBe(false);
      expect(await ctx.store.inbox.complete({ id: 'evt_1', workerId: 'w2', status: 'ignored', orderId: null, outcome: 'ignored: unhandled type', now: 2_200 })).toBe(true);
    });

    it('workers claiming at the same time through two stores never receive the same event', async () => {
      const other = await ctx.openAnother();
      const events = Array.from({ length: 120 }, (_, i) => event(`evt_${String(i).padStart(3, '0')}`, 1_000 + i));
      await ctx.store.inbox.add(events);
      const seen: string[] = [];
      for (let round = 0; round < 20 && seen.length < events.length; round += 1) {
        const batches = await Promise.all(
          Array.from({ length: 8 }, (_, w) =>
            (w % 2 === 0 ? ctx.store : other).inbox.claim({ workerId: `w${w}`, limit: 5, leaseMs: 60_000, now: 10_000 }),
          ),
        );
        for (const batch of batches) seen.push(...batch.map((e) => e.id));
      }
      expect(seen).toHaveLength(events.length);
      expect(new Set(seen).size).toBe(events.length);
    });

    it('lists the newest events across every status, ties in arrival broken by id, each with its payload', async () => {
      // evt_a…evt_f arrive in pairs sharing a millisecond; then they end in four different statuses.
      await ctx.store.inbox.add(['evt_a', 'evt_b', 'evt_c', 'evt_d', 'evt_e', 'evt_f'].map((id, n) => event(id, 1_000 + Math.floor(n / 2) * 1_000)));
      for (const [id, status] of [['evt_a', 'processed'], ['evt_c', 'ignored'], ['evt_f', 'processed']] as const) {
        await ctx.store.inbox.claim({ workerId: 'w1', limit: 10, leaseMs: 1_000, now: 9_000 });
        await ctx.store.inbox.complete({ id, workerId: 'w1', status, orderId: null, outcome: 'x', now: 9_000 });
        await ctx.store.inbox.release({ ids: ['evt_a', 'evt_b', 'evt_c', 'evt_d', 'evt_e', 'evt_f'], workerId: 'w1', now: 9_000 });
      }
      await ctx.store.inbox.claim({ workerId: 'w1', limit: 1, leaseMs: 1_000, now: 9_000 });
      const listed = await ctx.store.inbox.list({ limit: 4 });
      expect(listed.map((e) => [e.id, e.status])).toEqual([['evt_f', 'processed'], ['evt_e', 'pending'], ['evt_d', 'pending'], ['evt_c', 'ignored']]);
      expect(listed.map((e) => e.payload)).toEqual(['evt_f', 'evt_e', 'evt_d', 'evt_c'].map((id) => `{"id":"${id}"}`));
      expect((await ctx.store.inbox.list({ limit: 10, beforeReceivedAt: 3_000 })).map((e) => e.id)).toEqual(['evt_d', 'evt_c', 'evt_b', 'evt_a']);
    });

    it('lists newest first with a cursor and reports counts and the oldest pending arrival', async () => {
      await ctx.store.inbox.add([event('evt_1', 1_000), event('evt_2', 2_000), event('evt_3', 3_000), event('evt_4', 4_000)]);
      await ctx.store.inbox.claim({ workerId: 'w1', limit: 1, leaseMs: 1_000, now: 5_000 });
      await ctx.store.inbox.complete({ id: 'evt_1', workerId: 'w1', status: 'processed', orderId: null, outcome: 'applied', now: 5_000 });
      await ctx.store.inbox.claim({ workerId: 'w1', limit: 1, leaseMs: 1_000, now: 5_000 });

      expect((await ctx.store.inbox.list({ limit: 2 })).map((e) => e.id)).toEqual(['evt_4', 'evt_3']);
      expect((await ctx.store.inbox.list({ limit: 10, beforeReceivedAt: 3_000 })).map((e) => e.id)).toEqual(['evt_2', 'evt_1']);
      expect((await ctx.store.inbox.list({ limit: 10, status: 'pending' })).map((e) => e.id)).toEqual(['evt_4', 'evt_3']);
      expect(await ctx.store.inbox.stats()).toEqual({
        counts: { pending: 2, processing: 1, processed: 1, ignored: 0, dead: 0 },
        oldestPendingAt: 3_000,
      });
    });

    it('an empty inbox has zero counts and no pending lag', async () => {
      expect(await ctx.store.inbox.stats()).toEqual({
        counts: { pending: 0, processing: 0, processed: 0, ignored: 0, dead: 0 },
        oldestPendingAt: null,
      });
      expect(await ctx.store.inbox.add([])).toEqual([]);
    });
  });
});
