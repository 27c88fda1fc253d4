import { describe, expect, it } from 'vitest';
import { BatchedRejectionCounts } from '../../../src/ingest/group-commit.js';
import type { WebhookRejectionCount } from '../../../src/store/types.js';

function count(sourceAddress: string, reason = 'signature_mismatch'): WebhookRejectionCount {
  return { minuteStart: 0, sourceAddress, reason, requests: 1 };
}

function recordingCounts(failures = 0): { writes: WebhookRejectionCount[][]; add(counts: readonly WebhookRejectionCount[]): Promise<void> } {
  const writes: WebhookRejectionCount[][] = [];
  let failed = 0;
  return {
    writes,
    add: async (counts) => {
      if (failed++ < failures) throw new Error('disk full');
      writes.push([...counts]);
    },
  };
}

describe('batched rejection counts', () => {
  it('adds up the counts of one turn of the event loop and writes each key once', async () => {
    const inner = recordingCounts();
    const counts = new BatchedRejectionCounts(inner);
    await Promise.all([count('a'), count('a'), count('b'), count('a'), count('a', 'missing_signature')].map((c) => counts.add(c)));
    await counts.add(count('a'));
    expect(inner.writes).toEqual([
      [
        { minuteStart: 0, sourceAddress: 'a', reason: 'signature_mismatch', requests: 3 },
        { minuteStart: 0, sourceAddress: 'b', reason: 'signature_mismatch', requests: 1 },
        { minuteStart: 0, sourceAddress: 'a', reason: 'missing_signature', requests: 1 },
      ],
      [{ minuteStart: 0, sourceAddress: 'a', reason: 'signature_mismatch', requests: 1 }],
    ]);
  });

  it('rejects the counts of a failed write, so the caller can report them, and writes the next ones anew', async () => {
    const inner = recordingCounts(1);
    const counts = new BatchedRejectionCounts(inner);
    const first = [counts.add(count('a')), counts.add(count('b'))];
    for (const added of first) await expect(added).rejects.toThrow('disk full');
    await counts.add(count('c'));
    expect(inner.writes).toEqual([[{ minuteStart: 0, sourceAddress: 'c', reason: 'signature_mismatch', requests: 1 }]]);
  });
});
