import type { StoreContext } from './database.js';
import { toNullableNumber, toNumber } from './database.js';
import { STATUS_NOTICE_KIND } from '../domain/order-notices.js';
import type { NotificationAttemptRepository, NotificationRecord } from './types.js';

export function notificationAttemptRepository({ db, dialect }: StoreContext): NotificationAttemptRepository {
  return {
    async record(attempt) {
      await db
        .insertInto('notification_attempts')
        .values({
          outbox_id: attempt.outboxId,
          attempted_at: attempt.attemptedAt,
          duration_ms: attempt.durationMs,
          outcome: attempt.outcome,
          http_status: attempt.httpStatus,
          error: attempt.error,
        })
        .execute();
    },

    async list({ outboxId, limit }) {
      const rows = await db
        .selectFrom('notification_attempts')
        .selectAll()
        .$if(outboxId !== undefined, (q) => q.where('outbox_id', '=', outboxId as number))
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map((row) => ({
        id: toNumber(row.id),
        outboxId: toNumber(row.outbox_id),
        attemptedAt: toNumber(row.attempted_at),
        durationMs: toNumber(row.duration_ms),
        outcome: row.outcome as 'delivered' | 'failed',
        httpStatus: toNullableNumber(row.http_status),
        error: row.error,
      }));
    },

    async notificationsAfter({ afterId, limit, now, settleMs }) {
      // SQLite has one writer at a time, so its ids are in commit order already.
      const rows = await db
        .selectFrom('outbox')
        .select(['id', 'payload'])
        .where('kind', '=', STATUS_NOTICE_KIND)
        .where('id', '>', afterId)
        .$if(dialect === 'postgres', (q) => q.where('created_at', '<=', now - settleMs))
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map((row): NotificationRecord => ({ outboxId: toNumber(row.id), payload: row.payload }));
    },
  };
}
