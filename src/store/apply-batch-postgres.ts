import { sql, type CompiledQuery, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from './database.js';
import { orderColumns, type OrderPlan } from './apply-plan.js';

/*
 * PostgreSQL: a batch's writes as a handful of statements however many orders it holds, since each round trip to the
 * server costs more than the rows it carries (measured: one worker spent its time waiting on five statements per
 * event). The rows of each statement travel as one JSON parameter, typed by jsonb_to_recordset: the text is the same
 * for every batch, and neither the query builder nor the driver handles each value on its own.
 */
type ColumnType = 'text' | 'bigint' | 'integer';
type Columns = Readonly<Record<string, ColumnType>>;

const ORDER_COLUMNS: Columns = {
  id: 'text', status: 'text', amount_refunded: 'bigint', paid_at: 'bigint', review_reason: 'text', fulfill: 'integer', entitlement: 'text',
  access_token: 'text', fulfilled_at: 'bigint', updated_at: 'bigint',
};
const FACT_COLUMNS: Columns = { order_id: 'text', fact_key: 'text', kind: 'text', fact: 'text', event_id: 'text', recorded_at: 'bigint' };
const FULFILLMENT_COLUMNS: Columns = { order_id: 'text', event_id: 'text', fulfilled_at: 'bigint' };
const OUTBOX_COLUMNS: Columns = {
  order_id: 'text', kind: 'text', dedupe_key: 'text', payload: 'text', run_at: 'bigint', created_at: 'bigint', status: 'text', delivered_at: 'bigint',
};
const COMPLETION_COLUMNS: Columns = { id: 'text', status: 'text', order_id: 'text', outcome: 'text', processed_at: 'bigint' };

const refs = (names: readonly string[]): RawBuilder<unknown> => sql.join(names.map((name) => sql.ref(name)));

/** `rows` as the table `r` with these columns (a key a row lacks is null), numbered `n` in the rows' order. */
function jsonRows(rows: readonly object[], columns: Columns): RawBuilder<unknown> {
  const names = Object.keys(columns);
  const types = sql.join(names.map((name) => sql`${sql.ref(name)} ${sql.raw(columns[name] as ColumnType)}`));
  return sql`rows from (jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as (${types})) with ordinality as r(${refs(names)}, n)`;
}

/** Inserts `rows` in their order (outbox ids are one order's delivery order), leaving those that conflict alone. */
function insertRows(table: 'order_facts' | 'fulfillments' | 'outbox', rows: readonly object[], columns: Columns, conflict: readonly string[]): RawBuilder<unknown> {
  const names = refs(Object.keys(columns));
  return sql`insert into ${sql.table(table)} (${names}) select ${names} from ${jsonRows(rows, columns)} order by n on conflict (${refs(conflict)}) do nothing`;
}

/** `set column = r.column` for each column but the key. */
function assignFromRows(columns: Columns, key: string): RawBuilder<unknown> {
  return sql.join(Object.keys(columns).filter((name) => name !== key).map((name) => sql`${sql.ref(name)} = ${sql.ref(`r.${name}`)}`));
}

export function bulkWrites(trx: Transaction<Database>, plans: readonly OrderPlan[]): CompiledQuery[] {
  const queries: CompiledQuery[] = [];
  if (plans.length === 0) return queries;
  const orders = plans.map((plan) => ({ id: plan.orderId, ...orderColumns(plan.after) }));
  queries.push(sql`update orders as o set ${assignFromRows(ORDER_COLUMNS, 'id')} from ${jsonRows(orders, ORDER_COLUMNS)} where o.id = r.id`.compile(trx));
  const facts = plans.flatMap((plan) => plan.factRows);
  if (facts.length > 0) queries.push(insertRows('order_facts', facts, FACT_COLUMNS, ['order_id', 'fact_key']).compile(trx));
  const fulfillments = plans.flatMap((plan) => (plan.fulfillment ? [plan.fulfillment] : []));
  if (fulfillments.length > 0) queries.push(insertRows('fulfillments', fulfillments, FULFILLMENT_COLUMNS, ['order_id']).compile(trx));
  const outbox = plans.flatMap((plan) => plan.outboxRows).map((row) => ({ ...row, status: row.status ?? 'pending' }));
  if (outbox.length > 0) queries.push(insertRows('outbox', outbox, OUTBOX_COLUMNS, ['order_id', 'kind', 'dedupe_key']).compile(trx));
  return queries;
}

export interface Completion {
  readonly id: string;
  readonly status: 'processed' | 'ignored';
  readonly order_id: string | null;
  readonly outcome: string;
  readonly processed_at: number;
}

/** Ends every claim in `completions` that is still `workerId`'s, in one statement; returns the ids it ended. */
export function bulkCompletion(trx: Transaction<Database>, workerId: string, completions: readonly Completion[]): CompiledQuery<{ id: string }> {
  return sql<{ id: string }>`update inbox_events as e set ${assignFromRows(COMPLETION_COLUMNS, 'id')}, locked_by = null, locked_until = null
    from ${jsonRows(completions, COMPLETION_COLUMNS)}
    where e.id = r.id and e.status = 'processing' and e.locked_by = ${workerId}
    returning e.id`.compile(trx);
}
