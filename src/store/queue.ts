import { CompiledQuery, sql, type RawBuilder } from 'kysely';
import type { StoreContext } from './database.js';
import type { GuardedQuery, StoreWriter } from './writes.js';

/*
 * The one queue mechanism the inbox and the outbox share: rows with a status, attempts, a due time and a lease.
 * pending ─claim─▶ processing ─complete─▶ (the queue's done status)
 *                             ─fail────▶ pending at runAt, or dead
 *                             ─release─▶ pending now, the attempt not counted
 * Each is one statement, and every one of them only touches a claim that is still the caller's.
 */
export interface QueueSpec {
  readonly table: 'inbox_events' | 'outbox';
  /** Among rows due at the same time, which goes first. */
  readonly tiebreak: 'received_at' | 'id';
  /** Stamped with the time when a row becomes a dead letter, if the queue keeps one. */
  readonly deadAtColumn?: 'processed_at';
}

export type QueueId = string | number;
type Value = string | number | null;

export interface ClaimInput {
  readonly workerId: string;
  readonly limit: number;
  readonly leaseMs: number;
  readonly now: number;
}

export interface QueueStatements {
  claim(input: ClaimInput): CompiledQuery<Record<string, unknown>>;
  /** The claim uncompiled, for a statement that adds to what it returns (the inbox joins its payloads). */
  claimUncompiled(input: ClaimInput): RawBuilder<Record<string, unknown>>;
  /** Ends a claim with `set` (the queue's done status and what goes with it). */
  complete(input: { id: QueueId; workerId: string; set: Readonly<Record<string, Value>> }): GuardedQuery;
  /** Ends several claims alike, in one statement. */
  completeAll(input: { ids: readonly QueueId[]; workerId: string; set: Readonly<Record<string, Value>> }): GuardedQuery;
  fail(input: { id: QueueId; workerId: string; error: string; runAt: number; dead: boolean; now: number }): GuardedQuery;
  release(input: { ids: readonly QueueId[]; workerId: string; now: number }): GuardedQuery;
}

export function queueStatements({ db, dialect }: StoreContext, spec: QueueSpec): QueueStatements {
  const table = sql.table(spec.table);
  const stillOurs = (id: QueueId, workerId: string): RawBuilder<unknown> => sql`id = ${id} and status = 'processing' and locked_by = ${workerId}`;
  const assignments = (set: Readonly<Record<string, Value>>) => sql.join(Object.entries(set).map(([column, value]) => sql`${sql.ref(column)} = ${value}`));
  // A completion is one statement per event: its text depends only on the columns set, so it is built once per column
  // list and reused with the event's values (building it through the query builder cost more than running it).
  const completeTexts = new Map<string, string>();
  const claimUncompiled = ({ workerId, limit, leaseMs, now }: ClaimInput): RawBuilder<Record<string, unknown>> => {
    // One statement: on PostgreSQL SKIP LOCKED lets workers pass each other's rows; on SQLite a write statement takes
    // the database write lock before it reads, so two claimers never see the same row free. Expired leases are
    // taken over: their worker died.
    const skipLocked = dialect === 'postgres' ? sql`for update skip locked` : sql``;
    return sql<Record<string, unknown>>`update ${table}
      set status = 'processing', locked_by = ${workerId}, locked_until = ${now + leaseMs}, attempts = attempts + 1
      where id in (
        select id from ${table}
        where (status = 'pending' and run_at <= ${now}) or (status = 'processing' and locked_until <= ${now})
        order by run_at, ${sql.ref(spec.tiebreak)} limit ${limit} ${skipLocked}
      )
      returning *`;
  };
  return {
    claim: (input) => claimUncompiled(input).compile(db),
    claimUncompiled,
    complete({ id, workerId, set }) {
      const full = { ...set, locked_by: null, locked_until: null };
      const columns = Object.keys(full).join(',');
      let text = completeTexts.get(columns);
      if (text === undefined) {
        text = sql`update ${table} set ${assignments(full)} where ${stillOurs(id, workerId)}`.compile(db).sql;
        completeTexts.set(columns, text);
      }
      // The parameters in the order the text takes them: the values set, then the claim's id and worker.
      return { query: CompiledQuery.raw(text, [...Object.values(full), id, workerId]) };
    },
    completeAll({ ids, workerId, set }) {
      return {
        query: sql`update ${table} set ${assignments({ ...set, locked_by: null, locked_until: null })}
          where id in (${sql.join(ids)}) and status = 'processing' and locked_by = ${workerId}`.compile(db),
      };
    },
    fail({ id, workerId, error, runAt, dead, now }) {
      const set: Record<string, Value> = { status: dead ? 'dead' : 'pending', last_error: error, run_at: runAt, locked_by: null, locked_until: null };
      if (spec.deadAtColumn) set[spec.deadAtColumn] = dead ? now : null;
      return { query: sql`update ${table} set ${assignments(set)} where ${stillOurs(id, workerId)}`.compile(db) };
    },
    release({ ids, workerId, now }) {
      return {
        query: sql`update ${table} set status = 'pending', run_at = ${now}, locked_by = null, locked_until = null, attempts = attempts - 1
          where id in (${sql.join(ids)}) and status = 'processing' and locked_by = ${workerId}`.compile(db),
      };
    },
  };
}

/** Runs queue statements in a commit of their own; returns each one's rows and how many rows it changed. */
export async function runTogether(writer: StoreWriter, queries: readonly GuardedQuery[]): Promise<{ rows: readonly (readonly unknown[])[]; changes: readonly number[] }> {
  const [result] = await writer.run([queries]);
  if (result === undefined) throw new Error('The store gave no answer for a queue statement.');
  if (!result.ok) throw result.error;
  return { rows: queries.map((_, index) => result.rows[index] ?? []), changes: queries.map((_, index) => result.changes[index] ?? 0) };
}

/** Runs one queue statement in a commit of its own; returns its rows and how many rows it changed. */
export async function runAlone(writer: StoreWriter, query: GuardedQuery): Promise<{ rows: readonly unknown[]; changes: number }> {
  const { rows, changes } = await runTogether(writer, [query]);
  return { rows: rows[0] ?? [], changes: changes[0] ?? 0 };
}
