import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OTHER_ADDRESSES, RejectionBudget, type RejectionRecord } from '../../../src/ingest/rejection-budget.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);

describe('rejection budget', () => {
  it("gives an address's first five refusals of a minute a row each and counts the rest under its address", () => {
    const budget = new RejectionBudget();
    const records = Array.from({ length: 8 }, (_, i) => budget.admit({ receivedAt: T0 + i, sourceAddress: '203.0.113.9', reason: 'signature_mismatch' }));
    expect(records.filter((r) => r.kind === 'row')).toHaveLength(5);
    expect(records.slice(5)).toEqual([0, 1, 2].map(() => ({ kind: 'count', minuteStart: T0, sourceAddress: '203.0.113.9' })));
    // Another address still has its own five.
    expect(budget.admit({ receivedAt: T0 + 10, sourceAddress: '198.51.100.7', reason: 'signature_mismatch' })).toEqual({ kind: 'row' });
  });

  it('starts every address afresh when the next minute begins, and counts under the minute it decided in', () => {
    const budget = new RejectionBudget({ rowsPerAddress: 1, rowsPerMinute: 10, countsPerMinute: 10 });
    const at = (receivedAt: number) => budget.admit({ receivedAt, sourceAddress: '203.0.113.9', reason: 'stale_timestamp' });
    expect([at(T0), at(T0 + 1)].map((r) => r.kind)).toEqual(['row', 'count']);
    expect(at(T0 + MINUTE)).toEqual({ kind: 'row' });
    // Stamped just before the minute turned, but decided after: charged to the new minute.
    expect(at(T0 + MINUTE - 1)).toEqual({ kind: 'count', minuteStart: T0 + MINUTE, sourceAddress: '203.0.113.9' });
  });

  it('stops giving rows once the minute has had its overall share, however many addresses send', () => {
    const budget = new RejectionBudget({ rowsPerAddress: 5, rowsPerMinute: 3, countsPerMinute: 10 });
    const kinds = ['a', 'b', 'c', 'd'].map((address) => budget.admit({ receivedAt: T0, sourceAddress: address, reason: 'signature_mismatch' }).kind);
    expect(kinds).toEqual(['row', 'row', 'row', 'count']);
  });

  it("counts requests under 'other' once the minute has as many distinct counts as allowed, but keeps adding to those it has", () => {
    const budget = new RejectionBudget({ rowsPerAddress: 0, rowsPerMinute: 0, countsPerMinute: 2 });
    const address = (record: RejectionRecord) => (record.kind === 'count' ? record.sourceAddress : 'row');
    const admit = (sourceAddress: string | null, reason = 'signature_mismatch') => address(budget.admit({ receivedAt: T0, sourceAddress, reason }));
    expect([admit('a'), admit(null), admit('c'), admit('a'), admit('a', 'missing_signature')]).toEqual(['a', 'unknown', OTHER_ADDRESSES, 'a', OTHER_ADDRESSES]);
  });

  it('bounds rows and distinct counts per minute for any flood of addresses and reasons', () => {
    const limits = { rowsPerAddress: 2, rowsPerMinute: 7, countsPerMinute: 5 };
    const reasons = ['missing_signature', 'malformed_signature', 'signature_mismatch', 'stale_timestamp', 'invalid_payload', 'source_not_allowed'];
    const request = fc.record({
      offsetMs: fc.integer({ min: 0, max: 3 * MINUTE }),
      sourceAddress: fc.option(fc.constantFrom(...Array.from({ length: 30 }, (_, i) => `10.0.0.${i}`)), { nil: null }),
      reason: fc.constantFrom(...reasons),
    });
    fc.assert(
      fc.property(fc.array(request, { maxLength: 400 }), (flood) => {
        const budget = new RejectionBudget(limits);
        const rowsPerMinute = new Map<number, number>();
        const rowsPerAddress = new Map<string, number>();
        const countsPerMinute = new Map<number, Set<string>>();
        let minute = Number.NEGATIVE_INFINITY;
        for (const { offsetMs, sourceAddress, reason } of [...flood].sort((a, b) => a.offsetMs - b.offsetMs)) {
          const record = budget.admit({ receivedAt: T0 + offsetMs, sourceAddress, reason });
          minute = Math.max(minute, T0 + Math.floor(offsetMs / MINUTE) * MINUTE);
          if (record.kind === 'row') {
            rowsPerMinute.set(minute, (rowsPerMinute.get(minute) ?? 0) + 1);
            const key = `${minute} ${sourceAddress}`;
            rowsPerAddress.set(key, (rowsPerAddress.get(key) ?? 0) + 1);
          } else {
            expect(record.minuteStart).toBe(minute);
            const keys = countsPerMinute.get(minute) ?? new Set<string>();
            keys.add(`${record.sourceAddress} ${reason}`);
            countsPerMinute.set(minute, keys);
          }
        }
        for (const rows of rowsPerMinute.values()) expect(rows).toBeLessThanOrEqual(limits.rowsPerMinute);
        for (const rows of rowsPerAddress.values()) expect(rows).toBeLessThanOrEqual(limits.rowsPerAddress);
        for (const keys of countsPerMinute.values()) expect(keys.size).toBeLessThanOrEqual(limits.countsPerMinute + reasons.length);
      }),
    );
  });
});
