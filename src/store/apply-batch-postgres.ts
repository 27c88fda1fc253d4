import { sql, type CompiledQuery, type Transaction } from 'kysely';
import type { Database } from './database.js';
import { orderColumns, type OrderPlan } from './apply-plan.js';

/*
 * PostgreSQL: a batch's writes as a handful of statements however many orders it holds, since each round trip to the
 * server costs more than the rows it carries (measured: one worker spent its time waiting on five statements per
 * event). The rows of each statement travel as one JSON parameter, typed by jsonb_to_recordset: the text is the same
 * for every batch, and neither the query builder nor the driver handles each value on its own.
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
  if (facts.length > 0) {
    queries.push(
      sql`insert into order_facts (order_id, fact_key, kind, fact, event_id, recorded_at)
        select order_id, fact_key, kind, fact, event_id, recorded_at
        from jsonb_to_recordset(${JSON.stringify(facts)}::jsonb) as r(order_id text, fact_key text, kind text, fact text, event_id text, recorded_at bigint)
        on conflict (order_id, fact_key) do nothing`.compile(trx),
    );
  }
  const fulfillments = plans.flatMap((plan) => (plan.fulfillment ? [plan.fulfillment] : []));
  if (fulfillments.length > 0) {
    queries.push(
      sql`insert into fulfillments (order_id, event_id, fulfilled_at)
        select order_id, event_id, fulfilled_at from jsonb_to_recordset(${JSON.stringify(fulfillments)}::jsonb) as r(order_id text, event_id text, fulfilled_at bigint)
        on conflict (order_id) do nothing`.compile(trx),
    );
  }
  const outbox = plans.flatMap((plan) => plan.outboxRows).map((row) => ({ ...row, status: row.status ?? 'pending', delivered_at: row.delivered_at ?? null }));
  if (outbox.length > 0) {
    // In the order planned: outbox ids are the delivery order of one order's messages.
    queries.push(
      sql`insert into outbox (order_id, kind, dedupe_key, payload, run_at, created_at, status, delivered_at)
        select order_id, kind, dedupe_key, payload, run_at, created_at, status, delivered_at
        from rows from (jsonb_to_recordset(${JSON.stringify(outbox)}::jsonb) as (order_id text, kind text, dedupe_key text, payload text, run_at bigint,
          created_at bigint, status text, delivered_at bigint)) with ordinality as r(order_id, kind, dedupe_key, payload, run_at, created_at, status, delivered_at, n)
        order by n
        on conflict (order_id, kind, dedupe_key) do nothing`.compile(trx),
    );
  }
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
