import type { Selectable } from 'kysely';
import type { InboxEventsTable, StoreContext } from './database.js';
import { toNullableNumber, toNumber } from './database.js';
import type { InboxEvent, InboxRepository, InboxSource, InboxStatus, NewInboxEvent } from './types.js';
import { INBOX_STATUSES } from './types.js';

// Well under both dialects' bound-parameter limits (7 columns a row).
const INSERT_CHUNK = 500;

function toInboxEvent(row: Selectable<InboxEventsTable>): InboxEvent {
  return {
    id: row.id,
    type: row.type,
    payload: row.payload,
    source: row.source as InboxSource,
    receivedAt: toNumber(row.received_at),
    status: row.status as InboxStatus,
    attempts: toNumber(row.attempts),
    lastError: row.last_error,
    runAt: toNumber(row.run_at),
    lockedBy: row.locked_by,
    lockedUntil: toNullableNumber(row.locked_until),
    processedAt: toNullableNumber(row.processed_at),
    orderId: row.order_id,
    outcome: row.outcome,
  };
}

function byDueOrder(a: InboxEvent, b: InboxEvent): number {
  return a.runAt - b.runAt || a.receivedAt - b.receivedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export function inboxRepository({ db, dialect }: StoreContext): InboxRepository {
  return {
    async add(events) {
      const inserted = new Set<string>();
      await db.transaction().execute(async (trx) => {
        for (let start = 0; start < events.length; start += INSERT_CHUNK) {
          const chunk = events.slice(start, start + INSERT_CHUNK);
          const rows = await trx
            .insertInto('inbox_events')
            .values(chunk.map((event: NewInboxEvent) => ({
              id: event.id,
              type: event.type,
              payload: event.payload,
              source: event.source,
              received_at: event.receivedAt,
              run_at: event.receivedAt,
            })))
            .onConflict((oc) => oc.column('id').doNothing())
            .returning('id')
            .execute();
          for (const row of rows) inserted.add(row.id);
        }
      });
      // A duplicate inside the batch itself is reported once as inserted, then as a duplicate.
      return events.map((event) => {
        const first = inserted.delete(event.id);
        return { id: event.id, inserted: first };
      });
    },

    async claim({ workerId, limit, leaseMs, now }) {
      // One statement: on PostgreSQL SKIP LOCKED lets workers pass each other's rows; on SQLite a write
      // statement takes the database write lock before it reads, so two claimers never see the same row free.
      const rows = await db
        .updateTable('inbox_events')
        .set((eb) => ({
          status: 'processing',
          locked_by: workerId,
          locked_until: now + leaseMs,
          attempts: eb('attempts', '+', 1),
        }))
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('inbox_events')
            .select('id')
            .where((w) =>
              w.or([
                w.and([w('status', '=', 'pending'), w('run_at', '<=', now)]),
                w.and([w('status', '=', 'processing'), w('locked_until', '<=', now)]),
              ]),
            )
            .orderBy('run_at')
            .orderBy('received_at')
            .limit(limit)
            .$if(dialect === 'postgres', (q) => q.forUpdate().skipLocked()),
        )
        .returningAll()
        .execute();
      return rows.map(toInboxEvent).sort(byDueOrder);
    },

    async complete({ id, workerId, status, orderId, outcome, now }) {
      const result = await db
        .updateTable('inbox_events')
        .set({ status, order_id: orderId, outcome, processed_at: now, locked_by: null, locked_until: null })
        .where('id', '=', id)
        .where('status', '=', 'processing')
        .where('locked_by', '=', workerId)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async fail({ id, workerId, error, runAt, dead, now }) {
      const result = await db
        .updateTable('inbox_events')
        .set({
          status: dead ? 'dead' : 'pending',
          last_error: error,
          run_at: runAt,
          processed_at: dead ? now : null,
          locked_by: null,
          locked_until: null,
        })
        .where('id', '=', id)
        .where('status', '=', 'processing')
        .where('locked_by', '=', workerId)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async get(id) {
      const row = await db.selectFrom('inbox_events').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toInboxEvent(row);
    },

    async list({ status, limit, beforeReceivedAt }) {
      const rows = await db
        .selectFrom('inbox_events')
        .selectAll()
        .$if(status !== undefined, (q) => q.where('status', '=', status as InboxStatus))
        .$if(beforeReceivedAt !== undefined, (q) => q.where('received_at', '<', beforeReceivedAt as number))
        .orderBy('received_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toInboxEvent);
    },

    async requeue({ id, now }) {
      // An operator's retry starts the backoff afresh.
      const result = await db
        .updateTable('inbox_events')
        .set({ status: 'pending', run_at: now, attempts: 0, locked_by: null, locked_until: null, processed_at: null, outcome: null })
        .where('id', '=', id)
        .where('status', 'in', ['processed', 'ignored', 'dead'])
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async stats() {
      const rows = await db
        .selectFrom('inbox_events')
        .select((eb) => ['status', eb.fn.countAll<number | string>().as('count')])
        .groupBy('status')
        .execute();
      const counts = Object.fromEntries(INBOX_STATUSES.map((status) => [status, 0])) as Record<InboxStatus, number>;
      for (const row of rows) counts[row.status as InboxStatus] = toNumber(row.count);
      const oldest = await db
        .selectFrom('inbox_events')
        .select((eb) => eb.fn.min('received_at').as('oldest'))
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return { counts, oldestPendingAt: toNullableNumber(oldest?.oldest ?? null) };
    },
  };
}
