import type { Selectable } from 'kysely';
import type { InboxEventsTable, StoreContext } from './database.js';
import { toNullableNumber, toNumber } from './database.js';
import type { InboxEvent, InboxRepository, InboxSource, InboxStatus, NewInboxEvent } from './types.js';
import { INBOX_STATUSES } from './types.js';
import { addInOneStatement, addThroughWriteThread, checkPayloads, inboxAddStatement, type InboxWriter } from './inbox-add.js';
import { queueStatements, runAlone, type QueueSpec, type QueueStatements } from './queue.js';
import type { GuardedQuery, StoreWriter } from './writes.js';

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

/** The inbox's place in the one queue mechanism (see queue.ts). */
export const INBOX_QUEUE: QueueSpec = { table: 'inbox_events', tiebreak: 'received_at', deadAtColumn: 'processed_at' };

/** The statement that ends an event's claim: processed or ignored, with what processing concluded. */
export function completion(
  queue: QueueStatements,
  input: { id: string; workerId: string; status: 'processed' | 'ignored'; orderId: string | null; outcome: string; now: number },
): GuardedQuery {
  return queue.complete({ id: input.id, workerId: input.workerId, set: { status: input.status, order_id: input.orderId, outcome: input.outcome, processed_at: input.now } });
}

export type { InboxWriter } from './inbox-add.js';

export function inboxRepository(context: StoreContext, inboxWriter: InboxWriter, writer: StoreWriter): InboxRepository {
  const { db, dialect } = context;
  if ((dialect === 'sqlite') !== ('sqlite' in inboxWriter)) throw new Error(`A ${dialect} inbox needs its ${dialect} writer.`);
  const queue = queueStatements(context, INBOX_QUEUE);
  let add: (events: readonly NewInboxEvent[]) => Promise<boolean[]>;
  if ('sqlite' in inboxWriter) {
    const thread = inboxWriter.sqlite;
    add = (events) => addThroughWriteThread(thread, events);
  } else {
    const { pool, schema } = inboxWriter.postgres;
    const statement = inboxAddStatement(schema);
    add = (events) => addInOneStatement(pool, statement, events);
  }
  return {
    async add(events) {
      if (events.length === 0) return [];
      checkPayloads(events);
      const inserted = await add(events);
      return events.map((event, index) => ({ id: event.id, inserted: inserted[index] ?? false }));
    },

    async claim(input) {
      const { rows } = await runAlone(writer, { query: queue.claim(input) });
      return (rows as Selectable<InboxEventsTable>[]).map(toInboxEvent).sort(byDueOrder);
    },

    async complete({ id, workerId, status, orderId, outcome, now }) {
      const { changes } = await runAlone(writer, completion(queue, { id, workerId, status, orderId, outcome, now }));
      return changes > 0;
    },

    async release({ ids, workerId, now }) {
      if (ids.length === 0) return 0;
      return (await runAlone(writer, queue.release({ ids, workerId, now }))).changes;
    },

    async fail(input) {
      return (await runAlone(writer, queue.fail(input))).changes > 0;
    },

    async get(id) {
      const row = await db.selectFrom('inbox_events').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toInboxEvent(row);
    },

    async getMany(ids) {
      if (ids.length === 0) return [];
      const rows = [];
      // Well under both dialects' bound-parameter limits.
      for (let start = 0; start < ids.length; start += 500) {
        rows.push(...(await db.selectFrom('inbox_events').selectAll().where('id', 'in', ids.slice(start, start + 500)).execute()));
      }
      return rows.map(toInboxEvent).sort((a, b) => a.receivedAt - b.receivedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
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
