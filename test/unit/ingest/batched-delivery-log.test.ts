import { describe, expect, it } from 'vitest';
import { BatchedDeliveryLog } from '../../../src/ingest/group-commit.js';
import type { DeliveryLogRepository, NewWebhookDelivery } from '../../../src/store/types.js';

function entry(eventId: string): NewWebhookDelivery {
  return { receivedAt: 1, sourceAddress: null, outcome: 'stored', reason: null, eventId, eventType: 'x', signatureHeader: null };
}

function recordingLog(fail = false): DeliveryLogRepository & { writes: string[][] } {
  const writes: string[][] = [];
  return {
    writes,
    record: async (e) => void writes.push([e.eventId ?? '']),
    recordMany: async (entries) => {
      if (fail) throw new Error('disk full');
      writes.push(entries.map((e) => e.eventId ?? ''));
    },
    list: async () => [],
    prune: async () => 0,
  };
}

describe('batched delivery log', () => {
  it('writes the lines logged in one turn of the event loop with one statement, in order', async () => {
    const inner = recordingLog();
    const log = new BatchedDeliveryLog(inner);
    await Promise.all(['a', 'b', 'c'].map((id) => log.record(entry(id))));
    await log.record(entry('d'));
    expect(inner.writes).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('rejects the lines of a failed write, so the caller can report them', async () => {
    const log = new BatchedDeliveryLog(recordingLog(true));
    await expect(log.record(entry('a'))).rejects.toThrow('disk full');
  });
});
