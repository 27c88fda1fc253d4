import type { StoreContext } from './database.js';
import { toNumber } from './database.js';
import type { WebhookRejectionCount, WebhookRejectionCountRepository } from './types.js';

function keyOf(count: WebhookRejectionCount): string {
  return `${count.minuteStart}\u0000${count.sourceAddress}\u0000${count.reason}`;
}

/**
 * One row per key in a statement: PostgreSQL refuses an upsert that meets its own row twice. In key order, so
 * two processes adding to the same rows lock them in the same order and never deadlock.
 */
function merged(counts: readonly WebhookRejectionCount[]): WebhookRejectionCount[] {
  const byKey = new Map<string, WebhookRejectionCount>();
  for (const count of counts) {
    const key = keyOf(count);
    const seen = byKey.get(key);
    byKey.set(key, seen === undefined ? count : { ...seen, requests: seen.requests + count.requests });
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, count]) => count);
}

export function rejectionCountRepository({ db }: StoreContext): WebhookRejectionCountRepository {
  return {
    async add(counts) {
      const rows = merged(counts);
      // Well under both dialects' bound-parameter limits (4 columns a row).
      for (let start = 0; start < rows.length; start += 500) {
        await db
          .insertInto('webhook_rejection_counts')
          .values(
            rows.slice(start, start + 500).map((count) => ({
              minute_start: count.minuteStart,
              source_address: count.sourceAddress,
              reason: count.reason,
              request_count: count.requests,
            })),
          )
          .onConflict((conflict) =>
            conflict
              .columns(['minute_start', 'source_address', 'reason'])
              .doUpdateSet((eb) => ({ request_count: eb('webhook_rejection_counts.request_count', '+', eb.ref('excluded.request_count')) })),
          )
          .execute();
      }
    },

    async totals({ limit }) {
      const rows = await db
        .selectFrom('webhook_rejection_counts')
        .select((eb) => [
          'source_address',
          'reason',
          eb.fn.sum<number | string>('request_count').as('requests'),
          eb.fn.min<number | string>('minute_start').as('first_minute_start'),
          eb.fn.max<number | string>('minute_start').as('last_minute_start'),
        ])
        .groupBy(['source_address', 'reason'])
        .orderBy('requests', 'desc')
        .orderBy('source_address')
        .orderBy('reason')
        .limit(limit)
        .execute();
      return rows.map((row) => ({
        sourceAddress: row.source_address,
        reason: row.reason,
        requests: toNumber(row.requests),
        firstMinuteStart: toNumber(row.first_minute_start),
        lastMinuteStart: toNumber(row.last_minute_start),
      }));
    },

    async prune({ receivedBefore }) {
      const result = await db.deleteFrom('webhook_rejection_counts').where('minute_start', '<', receivedBefore).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
