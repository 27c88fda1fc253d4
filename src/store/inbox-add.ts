import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { SqliteStatement, SqliteWriteThread } from './sqlite/write-thread-client.js';
import type { NewInboxEvent } from './types.js';

/*
 * How events go into the inbox, outside Kysely, on the webhook's hot path: on SQLite through the write thread, on
 * PostgreSQL as one named statement per batch. The rest of the inbox (claims, reads, replay) is in inbox.ts.
 */

/** Whether each event is the one that went in: an id already stored, or repeated earlier in the batch, is not. */
function firstInserts(events: readonly NewInboxEvent[], insertedIds: Set<string>): boolean[] {
  return events.map((event) => insertedIds.delete(event.id));
}

/** U+001E, the record separator: a control character, which JSON text never holds raw (RFC 8259 requires it escaped). */
const PAYLOAD_SEPARATOR = '\u001e';

/** Payloads are events' JSON text: never empty, never a raw U+001E. Anything else is a bug upstream, refused whole. */
export function checkPayloads(events: readonly NewInboxEvent[]): void {
  const bad = events.find((event) => event.payload.length === 0 || event.payload.includes(PAYLOAD_SEPARATOR));
  if (bad) throw new Error(`Inbox event ${bad.id}: its payload must be the event's JSON text; it is empty or holds a raw U+001E control character.`);
}

/** How inbox.add reaches PostgreSQL: its pool directly, for a named (prepared) statement, in the store's schema. */
export interface PostgresInboxTarget {
  readonly pool: pg.Pool;
  readonly schema: string;
}

/** The channel a batch that added events notifies; the payload is the store's schema. */
export const INBOX_CHANNEL = 'settled_inbox_added';

export interface InboxAddStatement {
  readonly name: string;
  readonly text: string;
  /** The store's schema: the payload of the notification. */
  readonly schema: string;
}

/*
 * PostgreSQL: the batch in one statement, so one round trip and one commit. The events go in first come, first
 * kept (a repeated id is skipped, by ON CONFLICT here or by an earlier row of the same batch), and each event
 * that came with a webhook request gets its delivery line in the same statement: 'stored' for the copy that
 * went in, 'duplicate' for the others. Rows go in by id: concurrent batches holding the same events (Stripe's
 * retries, several processes) then wait for each other in one order and never deadlock. The payload of each event
 * that went in goes into inbox_payloads (the first copy's, as for the row).
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
 *
 * A batch that added an event may also tell INBOX_CHANNEL ($9: the schema, or null for not this batch; see
 * SpacedAnnouncements), so that workers in other processes (`settled worker`) claim it at once instead of at their
 * next poll. The notification is sent when the statement commits, so a worker woken by it sees the rows. PostgreSQL
 * runs a WITH query that modifies nothing only when the statement reads it, so the final select reads `signal` (a
 * one-time subquery, true whatever it holds): it notifies once, and only when some row was inserted.
 */
export function inboxAddStatement(schema: string): InboxAddStatement {
  const prefix = `"${schema.replaceAll('"', '""')}".`;
  const text = `
    with incoming as (
      select * from unnest($1::text[], $2::text[], string_to_array($3::text, E'\\x1e'), $4::text[], $5::bigint[], $6::boolean[], $7::text[], $8::text[])
        with ordinality as t(id, type, payload, source, received_at, delivered, source_address, signature_header, n)
    ),
    inserted as (
      insert into ${prefix}inbox_events (id, type, source, received_at, run_at)
      select id, type, source, received_at, received_at from incoming order by id, n
      on conflict (id) do nothing
      returning id
    ),
    first_copies as (select distinct on (id) id, n from incoming order by id, n),
    payloads as (
      insert into ${prefix}inbox_payloads (event_id, payload)
      select i.id, i.payload from incoming i join first_copies f on f.id = i.id and f.n = i.n join inserted on inserted.id = i.id
    ),
    logged as (
      insert into ${prefix}webhook_deliveries (received_at, source_address, outcome, reason, event_id, event_type, signature_header)
      select i.received_at, i.source_address,
        case when f.n = i.n and exists (select 1 from inserted where inserted.id = i.id) then 'stored' else 'duplicate' end,
        null, i.id, i.type, i.signature_header
      from incoming i join first_copies f on f.id = i.id
      where i.delivered
    ),
    signal as (select pg_notify('${INBOX_CHANNEL}', $9::text) from (select 1 from inserted limit 1) any_inserted where $9::text is not null)
    select id from inserted where (select count(*) from signal) >= 0`;
  return { name: `settled_inbox_add_${createHash('sha256').update(text).digest('hex').slice(0, 16)}`, text, schema };
}

/**
 * Which of one process's batches announce themselves on INBOX_CHANNEL. When every batch did, each group commit of
 * the intake sent a notification to every listening worker, hundreds a second under load, and every idle worker
 * woke to claim the commit's one or two events: with three `settled worker` processes at 1,000 events/s, 160 µs more
 * CPU per event in settled and 140 µs more in the server than polling alone (measured in alternation). A worker busy
 * with a batch claims again after its gather (20 ms by default) whatever it is told, so a notice more often than that
 * mostly wakes the idle ones for little. Hence: a batch announces itself when none has in the last `spacingMs`; one
 * that did not, once committed with new events, is announced when that window ends (a notice of its own).
 */
export class SpacedAnnouncements {
  private lastAt = Number.NEGATIVE_INFINITY;
  private owed: NodeJS.Timeout | undefined;

  constructor(
    private readonly spacingMs: number,
    /** Sends one notice. A notice is a hint (workers poll as well), so a failed one is dropped. */
    private readonly notify: () => Promise<unknown>,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Before a batch is written: whether its own statement announces it (and the window starts again). */
  takeTurn(): boolean {
    const now = this.now();
    if (now - this.lastAt < this.spacingMs) return false;
    this.lastAt = now;
    return true;
  }

  /** After a batch that did not announce itself committed with new events: a notice once the window ends. */
  owe(): void {
    if (this.owed !== undefined) return;
    const wait = this.lastAt + this.spacingMs - this.now();
    if (wait <= 0) {
      this.send();
      return;
    }
    this.owed = setTimeout(() => {
      this.owed = undefined;
      this.send();
    }, wait);
    this.owed.unref();
  }

  private send(): void {
    this.lastAt = this.now();
    this.notify().catch(() => undefined);
  }
}

/** Announcements of one PostgreSQL inbox: spaced by `spacingMs`, the owed ones sent through `pool`. */
export function inboxAnnouncements(pool: pg.Pool, schema: string, spacingMs: number): SpacedAnnouncements {
  return new SpacedAnnouncements(spacingMs, () => pool.query('select pg_notify($1, $2)', [INBOX_CHANNEL, schema]));
}

export async function addInOneStatement(pool: pg.Pool, { name, text, schema }: InboxAddStatement, announcements: SpacedAnnouncements, events: readonly NewInboxEvent[]): Promise<boolean[]> {
  const column = <T>(pick: (event: NewInboxEvent) => T) => events.map(pick);
  const announced = announcements.takeTurn();
  const { rows } = await pool.query<{ id: string }>({
    name,
    text,
    values: [
      column((e) => e.id),
      column((e) => e.type),
      events.map((e) => e.payload).join(PAYLOAD_SEPARATOR),
      column((e) => e.source),
      column((e) => e.receivedAt),
      column((e) => e.delivery !== undefined),
      column((e) => e.delivery?.sourceAddress ?? null),
      column((e) => e.delivery?.signatureHeader ?? null),
      announced ? schema : null,
    ],
  });
  if (!announced && rows.length > 0) announcements.owe();
  return firstInserts(events, new Set(rows.map((row) => row.id)));
}

/*
 * SQLite: the same batch as plain statements for the write thread, in one transaction there; the store tests
 * hold both dialects to the same behaviour. A delivery line follows its event's insert, so SQLite's changes()
 * still counts that insert: 1 when the event went in, 0 for a duplicate. The payload's insert comes last.
 */
const INSERT_EVENT_SQL = 'insert into inbox_events (id, type, source, received_at, run_at) values (?, ?, ?, ?, ?) on conflict (id) do nothing';
const INSERT_PAYLOAD_SQL = 'insert into inbox_payloads (event_id, payload) values (?, ?) on conflict (event_id) do nothing';
const INSERT_DELIVERY_SQL =
  "insert into webhook_deliveries (received_at, source_address, outcome, reason, event_id, event_type, signature_header) values (?, ?, case changes() when 0 then 'duplicate' else 'stored' end, null, ?, ?, ?)";

export async function addThroughWriteThread(writer: SqliteWriteThread, events: readonly NewInboxEvent[]): Promise<boolean[]> {
  const statements: SqliteStatement[] = [];
  const eventStatement: number[] = [];
  for (const event of events) {
    eventStatement.push(statements.length);
    statements.push({ sql: INSERT_EVENT_SQL, params: [event.id, event.type, event.source, event.receivedAt, event.receivedAt] });
    if (event.delivery !== undefined) {
      const { sourceAddress, signatureHeader } = event.delivery;
      statements.push({ sql: INSERT_DELIVERY_SQL, params: [event.receivedAt, sourceAddress, event.id, event.type, signatureHeader] });
    }
    // The payload goes as the string it is: copying a few KB to the thread costs less than encoding it to bytes
    // and handing the buffer over. A repeated id's payload is skipped, as its row was.
    statements.push({ sql: INSERT_PAYLOAD_SQL, params: [event.id, event.payload] });
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
