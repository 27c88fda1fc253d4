import type { Selectable } from 'kysely';
import type { OutboxTable, StoreContext } from './database.js';
import { toNullableNumber, toNumber } from './database.js';
import type { OutboxMessage, OutboxRepository } from './types.js';
import { queueStatements, runAlone, type QueueSpec, type QueueStatements } from './queue.js';
import type { GuardedQuery, StoreWriter } from './writes.js';

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

/** The outbox's place in the one queue mechanism (see queue.ts). */
export const OUTBOX_QUEUE: QueueSpec = { table: 'outbox', tiebreak: 'id' };

function delivered(queue: QueueStatements, input: { id: number; workerId: string; now: number }): GuardedQuery {
  return queue.complete({ id: input.id, workerId: input.workerId, set: { status: 'delivered', delivered_at: input.now } });
}

export function outboxRepository(context: StoreContext, writer: StoreWriter): OutboxRepository {
  const { db } = context;
  const queue = queueStatements(context, OUTBOX_QUEUE);
  return {
    async claim(input) {
      const { rows } = await runAlone(writer, { query: queue.claim(input) });
      return (rows as Selectable<OutboxTable>[]).map(toOutboxMessage).sort((a, b) => a.runAt - b.runAt || a.id - b.id);
    },

    async complete({ id, workerId, now }) {
      return (await runAlone(writer, delivered(queue, { id, workerId, now }))).changes > 0;
    },

    async fail(input) {
      return (await runAlone(writer, queue.fail(input))).changes > 0;
    },

    async settle({ workerId, delivered: done, failed }) {
      // The delivered ones in one statement, stamped with the batch's last delivery time.
      const deliveredAt = Math.max(0, ...done.map(({ now }) => now));
      const statements = [
        ...(done.length > 0 ? [queue.completeAll({ ids: done.map(({ id }) => id), workerId, set: { status: 'delivered', delivered_at: deliveredAt } })] : []),
        ...failed.map((failure) => queue.fail({ ...failure, workerId })),
      ];
      if (statements.length === 0) return;
      const [result] = await writer.run([statements]);
      if (result !== undefined && !result.ok) throw result.error;
    },

    async release({ ids, workerId, now }) {
      if (ids.length === 0) return 0;
      return (await runAlone(writer, queue.release({ ids, workerId, now }))).changes;
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
