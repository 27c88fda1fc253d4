import { sql, type CompiledQuery, type Transaction } from 'kysely';
import type { Database } from './database.js';
import { orderColumns, type OrderPlan } from './apply-plan.js';

/*
 * PostgreSQL: a batch's writes as a handful of statements however many orders it holds, since each round trip to the
 * server costs more than the rows it carries (measured: one worker spent its time waiting on five statements per
 * event). The rows travel as one JSON parameter each, typed by jsonb_to_recordset.
 */
export function bulkWrites(trx: Transaction<Database>, plans: readonly OrderPlan[]): CompiledQuery[] {
  const queries: CompiledQuery[] = [];
  if (plans.length === 0) return queries;
  const orders = plans.map((plan) => ({ id: plan.orderId, ...orderColumns(plan.after) }));
  queries.push(
    sql`update orders as o set status = r.status, amount_refunded = r.amount_refunded, paid_at = r.paid_at, review_reason = r.review_reason,
        fulfill = r.fulfill, entitlement = r.entitlement, access_token = r.access_token, fulfilled_at = r.fulfilled_at, updated_at = r.updated_at
      from jsonb_to_recordset(${JSON.stringify(orders)}::jsonb) as r(id text, status text, amount_refunded bigint, paid_at bigint, review_reason text,
        fulfill integer, entitlement text, access_token text, fulfilled_at bigint, updated_at bigint)
      where o.id = r.id`.compile(trx),
  );
  const facts = plans.flatMap((plan) => plan.factRows);
  if (facts.length > 0) queries.push(trx.insertInto('order_facts').values([...facts]).onConflict((oc) => oc.columns(['order_id', 'fact_key']).doNothing()).compile());
  const fulfillments = plans.flatMap((plan) => (plan.fulfillment ? [plan.fulfillment] : []));
  if (fulfillments.length > 0) queries.push(trx.insertInto('fulfillments').values(fulfillments).onConflict((oc) => oc.column('order_id').doNothing()).compile());
  const outbox = plans.flatMap((plan) => plan.outboxRows);
  if (outbox.length > 0) queries.push(trx.insertInto('outbox').values([...outbox]).onConflict((oc) => oc.columns(['order_id', 'kind', 'dedupe_key']).doNothing()).compile());
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
  return sql<{ id: string }>`update inbox_events as e set status = c.status, order_id = c.order_id, outcome = c.outcome, processed_at = c.processed_at,
      locked_by = null, locked_until = null
    from jsonb_to_recordset(${JSON.stringify(completions)}::jsonb) as c(id text, status text, order_id text, outcome text, processed_at bigint)
    where e.id = c.id and e.status = 'processing' and e.locked_by = ${workerId}
    returning e.id`.compile(trx);
}
