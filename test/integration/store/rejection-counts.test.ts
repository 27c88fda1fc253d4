import { expect, it } from 'vitest';
import { describeEachStore } from '../../support/stores.js';

const MINUTE = 60_000;

describeEachStore('webhook rejection counts', (ctx) => {
  it('adds counts for the same minute, address and reason into one row, and keeps the others apart', async () => {
    const { rejectionCounts } = ctx.store;
    await rejectionCounts.add([
      { minuteStart: 0, sourceAddress: '203.0.113.9', reason: 'signature_mismatch', requests: 3 },
      { minuteStart: 0, sourceAddress: '203.0.113.9', reason: 'signature_mismatch', requests: 2 },
      { minuteStart: 0, sourceAddress: '203.0.113.9', reason: 'missing_signature', requests: 1 },
    ]);
    await rejectionCounts.add([
      { minuteStart: 0, sourceAddress: '203.0.113.9', reason: 'signature_mismatch', requests: 10 },
      { minuteStart: MINUTE, sourceAddress: '203.0.113.9', reason: 'signature_mismatch', requests: 4 },
      { minuteStart: MINUTE, sourceAddress: 'other', reason: 'signature_mismatch', requests: 7 },
    ]);
    const rows = await ctx.execute('select minute_start, source_address, reason, request_count from webhook_rejection_counts order by 1, 2, 3');
    expect(rows.map((row) => [Number(row.minute_start), row.source_address, row.reason, Number(row.request_count)])).toEqual([
      [0, '203.0.113.9', 'missing_signature', 1],
      [0, '203.0.113.9', 'signature_mismatch', 15],
      [MINUTE, '203.0.113.9', 'signature_mismatch', 4],
      [MINUTE, 'other', 'signature_mismatch', 7],
    ]);

    expect(await rejectionCounts.totals({ limit: 10 })).toEqual([
      { sourceAddress: '203.0.113.9', reason: 'signature_mismatch', requests: 19, firstMinuteStart: 0, lastMinuteStart: MINUTE },
      { sourceAddress: 'other', reason: 'signature_mismatch', requests: 7, firstMinuteStart: MINUTE, lastMinuteStart: MINUTE },
      { sourceAddress: '203.0.113.9', reason: 'missing_signature', requests: 1, firstMinuteStart: 0, lastMinuteStart: 0 },
    ]);
    expect((await rejectionCounts.totals({ limit: 1 })).map((total) => total.requests)).toEqual([19]);
  });

  it('loses no count when two processes add to the same rows at once', async () => {
    const other = await ctx.openAnother();
    const batch = (requests: number) => [
      { minuteStart: 0, sourceAddress: '198.51.100.1', reason: 'signature_mismatch', requests },
      { minuteStart: 0, sourceAddress: '198.51.100.2', reason: 'signature_mismatch', requests },
    ];
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? ctx.store : other).rejectionCounts.add(batch(1))));
    const totals = await ctx.store.rejectionCounts.totals({ limit: 10 });
    expect(totals.map((total) => [total.sourceAddress, total.requests])).toEqual([
      ['198.51.100.1', 20],
      ['198.51.100.2', 20],
    ]);
  });

  it('prunes the minutes that started before the cut-off and keeps the rest', async () => {
    const { rejectionCounts } = ctx.store;
    await rejectionCounts.add([0, 1, 2].map((minute) => ({ minuteStart: minute * MINUTE, sourceAddress: 'other', reason: 'invalid_payload', requests: 1 })));
    expect(await rejectionCounts.prune({ receivedBefore: 2 * MINUTE })).toBe(2);
    expect(await rejectionCounts.totals({ limit: 10 })).toEqual([
      { sourceAddress: 'other', reason: 'invalid_payload', requests: 1, firstMinuteStart: 2 * MINUTE, lastMinuteStart: 2 * MINUTE },
    ]);
  });
});
