import { createHash } from 'node:crypto';
import type { Selectable } from 'kysely';
import type pg from 'pg';
import type { InboxEventsTable, StoreContext } from './database.js';
import type { SqliteStatement, SqliteWriteThread } from './sqlite/write-thread-client.js';
import { toNullableNumber, toNumber } from './database.js';
import type { InboxEvent, InboxRepository, InboxSource, InboxStatus, NewInboxEvent } from './types.js';
import { INBOX_STATUSES } from './types.js';
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

/** Whether each event is the one that went in: an id already stored, or repeated earlier in the batch, is not. */
function firstInserts(events: readonly NewInboxEvent[], insertedIds: Set<string>): boolean[] {
  return events.map((event) => insertedIds.delete(event.id));
}

/** U+001E, the record separator: a control character, which JSON text never holds raw (RFC 8259 requires it escaped). */
const PAYLOAD_SEPARATOR = '\u001e';

/** Payloads are events' JSON text: never empty, never a raw U+001E. Anything else is a bug upstream, refused whole. */
function checkPayloads(events: readonly NewInboxEvent[]): void {
  const bad = events.find((event) => event.payload.length === 0 || event.payload.includes(PAYLOAD_SEPARATOR));
  if (bad) throw new Error(`Inbox event ${bad.id}: its payload must be the event's JSON text; it is empty or holds a raw U+001E control character.`);
}

/** How inbox.add reaches PostgreSQL: its pool directly, for a named (prepared) statement, in the store's schema. */
export interface PostgresInboxTarget {
  readonly pool: pg.Pool;
  readonly schema: string;
}

/*
 * PostgreSQL: the batch in one statement, so one round trip and one commit. The events go in first come, first
 * kept (a repeated id is skipped, by ON CONFLICT here or by an earlier row of the same batch), and each event
 * that came with a webhook request gets its delivery line in the same statement: 'stored' for the copy that
 * went in, 'duplicate' for the others. Rows go in by id: concurrent batches holding the same events (Stripe's
 * retries, several processes) then wait for each other in one order and never deadlock.
 *
 * It runs on every webhook batch, so it is a named statement: each pooled connection parses and plans it once
 * (planning this statement cost the server about as much as the inserts). Kysely cannot name a statement, so it
 * goes to the pool itself; the tables are qualified with the schema because a caller's pool may hand out a
 * connection Kysely never set search_path on. The name carries a hash of the text: stores in different schemas
 * over one pool each get their own.
 *
 * The payloads go as one text parameter, joined by PAYLOAD_SEPARATOR and split again by string_to_array: as an
 * array, pg escapes every quote of every payload into an array literal and the server unescapes it (measured, a
 * tenth of the process's CPU per event and more of the server's). checkPayloads makes the split exact.
 */
function inboxAddStatement(schema: string): { name: string; text: string } {
  const prefix = `"${schema.replaceAll('"', '""')}".`;
  const text = `
    with incoming as (
      select * from unnest($1::text[], $2::text[], string_to_array($3::text, E'\\x1e'), $4::text[], $5::bigint[], $6::boolean[], $7::text[], $8::text[])
        with ordinality as t(id, type, payload, source, received_at, delivered, source_address, signature_header, n)
    ),
    inserted as (
      insert into ${prefix}inbox_events (id, type, payload, source, received_at, run_at)
      select id, type, payload, source, received_at, received_at from incoming order by id, n
      on conflict (id) do nothing
      returning id
    ),
    first_copies as (select distinct on (id) id, n from incoming order by id, n),
    logged as (
      insert into ${prefix}webhook_deliveries (received_at, source_address, outcome, reason, event_id, event_type, signature_header)
      select i.received_at, i.source_address,
        case when f.n = i.n and exists (select 1 from inserted where inserted.id = i.id) then 'stored' else 'duplicate' end,
        null, i.id, i.type, i.signature_header
      from incoming i join first_copies f on f.id = i.id
      where i.delivered
    )
    select id from inserted`;
  return { name: `settled_inbox_add_${createHash('sha256').update(text).digest('hex').slice(0, 16)}`, text };
}

async function addInOneStatement(pool: pg.Pool, statement: { name: string; text: string }, events: readonly NewInboxEvent[]): Promise<boolean[]> {
  const column = <T>(pick: (event: NewInboxEvent) => T) => events.map(pick);
  const { rows } = await pool.query<{ id: string }>({
    ...statement,
    values: [
      column((e) => e.id),
      column((e) => e.type),
      events.map((e) => e.payload).join(PAYLOAD_SEPARATOR),
      column((e) => e.source),
      column((e) => e.receivedAt),
      column((e) => e.delivery !== undefined),
      column((e) => e.delivery?.sourceAddress ?? null),
      column((e) => e.delivery?.signatureHeader ?? null),
    ],
  });
  return firstInserts(events, new Set(rows.map((row) => row.id)));
}

/*
 * SQLite: the same batch as plain statements for the write thread, in one transaction there; the store tests
 * hold both dialects to the same behaviour. A delivery line follows its event's insert, so SQLite's changes()
 * still counts that insert: 1 when the event went in, 0 for a duplicate.
 */
const INSERT_EVENT_SQL =
  'insert into inbox_events (id, type, payload, source, received_at, run_at) values (?, ?, ?, ?, ?, ?) on conflict (id) do nothing';
const INSERT_DELIVERY_SQL =
  "insert into webhook_deliveries (received_at, source_address, outcome, reason, event_id, event_type, signature_header) values (?, ?, case changes() when 0 then 'duplicate' else 'stored' end, null, ?, ?, ?)";

async function addThroughWriteThread(writer: SqliteWriteThread, events: readonly NewInboxEvent[]): Promise<boolean[]> {
  const statements: SqliteStatement[] = [];
  const eventStatement: number[] = [];
  for (const event of events) {
    eventStatement.push(statements.length);
    // The payload goes as the string it is: copying a few KB to the thread costs less than encoding it to bytes
    // and handing the buffer over.
    statements.push({ sql: INSERT_EVENT_SQL, params: [event.id, event.type, event.payload, event.source, event.receivedAt, event.receivedAt] });
    if (event.delivery !== undefined) {
      const { sourceAddress, signatureHeader } = event.delivery;
      statements.push({ sql: INSERT_DELIVERY_SQL, params: [event.receivedAt, sourceAddress, event.id, event.type, signatureHeader] });
    }
  }
  const changes = await writer.transaction(statements);
  // Per statement, so a repeat inside the batch already reads 0: the first copy is the one that went in.
  return eventStatement.map((index) => (changes[index] ?? 0) > 0);
}

/**
 * What adds events, outside Kysely: on SQLite the write thread (so that their fsync never blocks this thread), on
 * PostgreSQL the pool, for the named statement above.
 */
export type InboxWriter = { readonly sqlite: SqliteWriteThread } | { readonly postgres: PostgresInboxTarget };

/** The inbox's place in the one queue mechanism (see queue.ts). */
export const INBOX_QUEUE: QueueSpec = { table: 'inbox_events', tiebreak: 'received_at', deadAtColumn: 'processed_at' };

/** The statement that ends an event's claim: processed or ignored, with what processing concluded. */
export function completion(
  queue: QueueStatements,
  input: { id: string; workerId: string; status: 'processed' | 'ignored'; orderId: string | null; outcome: string; now: number },
): GuardedQuery {
  return queue.complete({ id: input.id, workerId: input.workerId, set: { status: input.status, order_id: input.orderId, outcome: input.outcome, processed_at: input.now } });
}

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
