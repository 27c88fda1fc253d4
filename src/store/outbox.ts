import type { Selectable } from 'kysely';
import type { OutboxTable, StoreContext } from './database.js';
import { toNullableNumber, toNumber } from './database.js';
import type { OutboxMessage, OutboxRepository } from './types.js';

function toOutboxMessage(row: Selectable<OutboxTable>): OutboxMessage {
  return {
    id: toNumber(row.id),
    orderId: row.order_id,
    kind: row.kind,
    payload: row.payload,
    attempts: toNumber(row.attempts),
    lastError: row.last_error,
    runAt: toNumber(row.run_at),
    status: row.status as OutboxMessage['status'],
    createdAt: toNumber(row.created_at),
    deliveredAt: toNullableNumber(row.delivered_at),
  };
}

export function outboxRepository({ db, dialect }: StoreContext): OutboxRepository {
  return {
    async claim({ workerId, limit, leaseMs, now }) {
      // Same single-statement claim as the inbox (see inbox.ts).
      const rows = await db
        .updateTable('outbox')
        .set((eb) => ({ status: 'processing', locked_by: workerId, locked_until: now + leaseMs, attempts: eb('attempts', '+', 1) }))
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('outbox')
            .select('id')
            .where((w) =>
              w.or([
                w.and([w('status', '=', 'pending'), w('run_at', '<=', now)]),
                w.and([w('status', '=', 'processing'), w('locked_until', '<=', now)]),
              ]),
            )
            .orderBy('run_at')
            .orderBy('id')
            .limit(limit)
            .$if(dialect === 'postgres', (q) => q.forUpdate().skipLocked()),
        )
        .returningAll()
        .execute();
      return rows.map(toOutboxMessage).sort((a, b) => a.runAt - b.runAt || a.id - b.id);
    },

    async complete({ id, workerId, now }) {
      const result = await db
        .updateTable('outbox')
        .set({ status: 'delivered', delivered_at: now, locked_by: null, locked_until: null })
        .where('id', '=', id)
        .where('status', '=', 'processing')
        .where('locked_by', '=', workerId)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async fail({ id, workerId, error, runAt, dead }) {
      const result = await db
        .updateTable('outbox')
        .set({ status: dead ? 'dead' : 'pending', last_error: error, run_at: runAt, locked_by: null, locked_until: null })
        .where('id', '=', id)
        .where('status', '=', 'processing')
        .where('locked_by', '=', workerId)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async list({ orderId, status, limit }) {
      const rows = await db
        .selectFrom('outbox')
        .selectAll()
        .$if(orderId !== undefined, (q) => q.where('order_id', '=', orderId as string))
        .$if(status !== undefined, (q) => q.where('status', '=', status as string))
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toOutboxMessage);
    },

    async get(id) {
      const row = await db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toOutboxMessage(row);
    },

    async requeue({ id, now }) {
      // The attempts start again: a replayed message gets the whole schedule, as a dead inbox event does.
      const result = await db
        .updateTable('outbox')
        .set({ status: 'pending', run_at: now, attempts: 0, locked_by: null, locked_until: null })
        .where('id', '=', id)
        .where('status', '=', 'dead')
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
  };
}
