import { sql, type Selectable } from 'kysely';
import { DEFAULTS } from '../defaults.js';
import type { InboxEventsTable, InboxPayloadsTable, StoreContext } from './database.js';
import { toNullableNumber, toNumber } from './database.js';
import type { InboxEvent, InboxRepository, InboxSource, InboxStatus, NewInboxEvent } from './types.js';
import { INBOX_STATUSES } from './types.js';
import { INBOX_CHANNEL, addInOneStatement, addThroughWriteThread, checkPayloads, inboxAddStatement, inboxAnnouncements, type InboxWriter } from './inbox-add.js';
import { watchChannel } from './postgres/inbox-watch.js';
import { queueStatements, runAlone, runTogether, type ClaimInput, type QueueSpec, type QueueStatements } from './queue.js';
import type { GuardedQuery, StoreWriter } from './writes.js';

/** An inbox row with its event's payload, which lives apart from it (see migration 011). */
type InboxRow = Selectable<InboxEventsTable> & { payload: string };

function toInboxEvent(row: InboxRow): InboxEvent {
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

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byDueOrder(a: InboxEvent, b: InboxEvent): number {
  return a.runAt - b.runAt || a.receivedAt - b.receivedAt || compareIds(a.id, b.id);
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

/*
 * A claim answers with its events' payloads. They live apart from the rows the claim rewrites (migration 011),
 * and every event is stored with its payload in one transaction. PostgreSQL joins them to the claimed rows in the
 * claim's own statement. SQLite's UPDATE … RETURNING cannot join, so a second statement in the same transaction
 * reads the payloads of the rows this claim marked, found by its worker and lease end (an earlier claim of the same
 * worker in the same millisecond could bring a few more, which go unused).
 */
function inboxClaim(context: StoreContext, queue: QueueStatements, writer: StoreWriter): (input: ClaimInput) => Promise<InboxRow[]> {
  const { db, dialect } = context;
  if (dialect === 'postgres') {
    return async (input) => {
      const query = sql<InboxRow>`with claimed as (${queue.claimUncompiled(input)})
        select claimed.*, p.payload from claimed join inbox_payloads p on p.event_id = claimed.id`.compile(db);
      return (await runAlone(writer, { query })).rows as InboxRow[];
    };
  }
  return async (input) => {
    const readPayloads = sql<PayloadRow>`select event_id, payload from inbox_payloads where event_id in (
        select id from inbox_events where status = 'processing' and locked_by = ${input.workerId} and locked_until = ${input.now + input.leaseMs}
      )`.compile(db);
    const { rows } = await runTogether(writer, [{ query: queue.claim(input) }, { query: readPayloads }]);
    const claimed = (rows[0] ?? []) as Selectable<InboxEventsTable>[];
    const payloads = payloadMap((rows[1] ?? []) as PayloadRow[]);
    return claimed.map((row) => ({ ...row, payload: payloadOf(payloads, row.id) }));
  };
}

type PayloadRow = Selectable<InboxPayloadsTable>;

function payloadMap(rows: readonly PayloadRow[]): Map<string, string> {
  return new Map(rows.map((row) => [row.event_id, row.payload]));
}

/** The payloads of these events, by id (in chunks well under both dialects' bound-parameter limits). */
async function payloadsOf(db: StoreContext['db'], ids: readonly string[]): Promise<Map<string, string>> {
  const rows: PayloadRow[] = [];
  for (let start = 0; start < ids.length; start += 500) {
    rows.push(...(await db.selectFrom('inbox_payloads').selectAll().where('event_id', 'in', ids.slice(start, start + 500)).execute()));
  }
  return payloadMap(rows);
}

/** Every event is stored with its payload in one transaction: one missing means the store was damaged. */
function payloadOf(payloads: ReadonlyMap<string, string>, id: string): string {
  const payload = payloads.get(id);
  if (payload === undefined) throw new Error(`Inbox event ${id} has no payload: the store is damaged.`);
  return payload;
}

/** Whole events: the rows read, with their payloads (one more query, for those rows only). */
async function withPayloads(db: StoreContext['db'], rows: readonly Selectable<InboxEventsTable>[]): Promise<InboxEvent[]> {
  const payloads = await payloadsOf(db, rows.map((row) => row.id));
  return rows.map((row) => toInboxEvent({ ...row, payload: payloadOf(payloads, row.id) }));
}

export function inboxRepository(context: StoreContext, inboxWriter: InboxWriter, writer: StoreWriter): InboxRepository {
  const { db, dialect } = context;
  if ((dialect === 'sqlite') !== ('sqlite' in inboxWriter)) throw new Error(`A ${dialect} inbox needs its ${dialect} writer.`);
  const queue = queueStatements(context, INBOX_QUEUE);
  const claim = inboxClaim(context, queue, writer);
  let add: (events: readonly NewInboxEvent[]) => Promise<boolean[]>;
  let watch: InboxRepository['watch'];
  if ('sqlite' in inboxWriter) {
    const thread = inboxWriter.sqlite;
    add = (events) => addThroughWriteThread(thread, events);
    watch = () => ({ close: () => Promise.resolve() });
  } else {
    const { pool, schema } = inboxWriter.postgres;
    const statement = inboxAddStatement(schema);
    // Spaced by the workers' default gather: a worker busy with a batch claims again after it whatever it is told.
    const announcements = inboxAnnouncements(pool, schema, DEFAULTS.worker.gatherMs);
    add = (events) => addInOneStatement(pool, statement, announcements, events);
    watch = (onAdded, onError) => watchChannel(pool, INBOX_CHANNEL, schema, onAdded, onError);
  }
  return {
    watch,

    async add(events) {
      if (events.length === 0) return [];
      checkPayloads(events);
      const inserted = await add(events);
      return events.map((event, index) => ({ id: event.id, inserted: inserted[index] ?? false }));
    },

    async claim(input) {
      return (await claim(input)).map(toInboxEvent).sort(byDueOrder);
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
      return row === undefined ? undefined : (await withPayloads(db, [row]))[0];
    },

    async getMany(ids) {
      if (ids.length === 0) return [];
      const rows = [];
      // Well under both dialects' bound-parameter limits.
      for (let start = 0; start < ids.length; start += 500) {
        rows.push(...(await db.selectFrom('inbox_events').selectAll().where('id', 'in', ids.slice(start, start + 500)).execute()));
      }
      return (await withPayloads(db, rows)).sort((a, b) => a.receivedAt - b.receivedAt || compareIds(a.id, b.id));
    },

    async list({ status, limit, beforeReceivedAt }) {
      // Newest first, from the (status, received_at) index: the newest `limit` of each status asked for (every status
      // when none is named), merged here, so a large inbox is neither scanned nor sorted whole, and payloads are read
      // for the events returned only.
      const newest: Selectable<InboxEventsTable>[] = [];
      for (const one of status === undefined ? INBOX_STATUSES : [status]) {
        const rows = await db
          .selectFrom('inbox_events')
          .selectAll()
          .where('status', '=', one)
          .$if(beforeReceivedAt !== undefined, (q) => q.where('received_at', '<', beforeReceivedAt as number))
          .orderBy('received_at', 'desc')
          .orderBy('id', 'desc')
          .limit(limit)
          .execute();
        newest.push(...rows);
      }
      const chosen = newest.sort((a, b) => toNumber(b.received_at) - toNumber(a.received_at) || compareIds(b.id, a.id)).slice(0, limit);
      return withPayloads(db, chosen);
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
