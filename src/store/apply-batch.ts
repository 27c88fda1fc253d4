import type { Kysely, Transaction } from 'kysely';
import type { Fact } from '../domain/order-facts.js';
import type { Database, StoreContext } from './database.js';
import { OrderNotFoundError, isStoreUnavailable } from './errors.js';
import { INBOX_QUEUE, completion } from './inbox.js';
import { planOrder, stateOf, type OrderPlan, type OrderState, type PlannedApplication } from './apply-plan.js';
import { bulkCompletion, bulkWrites, type Completion } from './apply-batch-postgres.js';
import { queueStatements, type QueueStatements } from './queue.js';
import { guardedOrderWrite } from './sqlite/batch-statements.js';
import type { ApplyBatchInput, BatchItem, BatchItemResult } from './types.js';
import { isStale, type GuardedQuery, type StoreWriter } from './writes.js';

/*
 * A worker's batch in one commit. Both stores read the orders first, plan every application in memory (apply-plan.ts)
 * and then write the sum, so the work per event is a few rows written, not a transaction's worth of round trips.
 *
 * PostgreSQL reads them FOR UPDATE, in id order (so two workers' batches never deadlock), inside the transaction
 * that writes. SQLite reads them on this thread, which never waits (WAL readers see the last commit), and sends the
 * writes to the write thread, where they share the webhook intake's commit and its fsync does not stop the event
 * loop; each order's write is guarded by what the plan was made from (its facts, fulfillment, Stripe ids, token), and
 * an order that changed meanwhile is read and planned again.
 */
const MAX_REPLANS = 100;

type Apply = Extract<BatchItem, { kind: 'apply' }>;

export function applyBatch(context: StoreContext, writer: StoreWriter): (input: ApplyBatchInput) => Promise<BatchItemResult[]> {
  const queue = queueStatements(context, INBOX_QUEUE);
  const { db } = context;
  const runOnce = context.dialect === 'postgres' ? (input: ApplyBatchInput) => onPostgres(db, queue, input) : (input: ApplyBatchInput) => onSqlite(db, writer, queue, input);
  return async (input) => {
    if (input.items.length === 0) return [];
    try {
      return await runOnce(input);
    } catch (error) {
      // Something in the batch the database refused (not the database failing): each item alone, so it fails alone.
      if (isStoreUnavailable(error) || input.items.length === 1) throw error;
      const results: BatchItemResult[] = [];
      for (const item of input.items) {
        const [result] = await runOnce({ ...input, items: [item] }).catch((alone: unknown) => {
          if (isStoreUnavailable(alone)) throw alone;
          return [{ kind: 'error', error: alone } as const];
        });
        results.push(result ?? { kind: 'error', error: new Error('no result') });
      }
      return results;
    }
  };
}

async function onPostgres(db: Kysely<Database>, queue: QueueStatements, input: ApplyBatchInput): Promise<BatchItemResult[]> {
  return db.transaction().execute(async (trx) => {
    const results: BatchItemResult[] = new Array<BatchItemResult>(input.items.length);
    const groups = groupByOrder(input.items);
    const states = await readStates(trx, [...groups.keys()], true);
    const plans = plansFor(groups, states, input, results);
    for (const query of bulkWrites(trx, plans)) await trx.executeQuery(query);
    const { workerId } = input;
    const completions: Completion[] = [];
    for (const plan of plans) {
      for (const [index, outcome] of plan.results) {
        if ('error' in outcome) {
          results[index] = { kind: 'error', error: outcome.error };
          continue;
        }
        const item = input.items[index] as Apply;
        completions.push({ id: item.eventId, status: 'processed', order_id: plan.orderId, outcome: `applied: order is ${outcome.result.after.status}`, processed_at: item.now });
      }
    }
    for (const item of input.items) if (item.kind === 'ignore') completions.push({ id: item.eventId, status: 'ignored', order_id: null, outcome: item.outcome, processed_at: item.now });
    const held = new Set<string>();
    if (workerId !== undefined && completions.length > 0) for (const { id } of (await trx.executeQuery(bulkCompletion(trx, workerId, completions))).rows) held.add(id);
    for (const [index, item] of input.items.entries()) {
      const claimHeld = workerId === undefined || held.has(item.eventId);
      if (item.kind === 'ignore') results[index] = { kind: 'ignored', claimHeld };
      if (item.kind === 'fail' && workerId !== undefined) {
        const failed = await trx.executeQuery(queue.fail({ id: item.eventId, workerId, error: item.error, runAt: item.runAt, dead: item.dead, now: item.now }).query);
        results[index] = { kind: 'failed', claimHeld: Number(failed.numAffectedRows ?? 0n) > 0 };
      }
    }
    for (const plan of plans) {
      for (const [index, outcome] of plan.results) {
        if ('result' in outcome) results[index] = { kind: 'applied', result: outcome.result, claimHeld: workerId === undefined || held.has((input.items[index] as Apply).eventId) };
      }
    }
    return results;
  });
}

async function onSqlite(db: Kysely<Database>, writer: StoreWriter, queue: QueueStatements, input: ApplyBatchInput): Promise<BatchItemResult[]> {
  const results: BatchItemResult[] = new Array<BatchItemResult>(input.items.length);
  let groups = groupByOrder(input.items);
  let others = claimRequests(queue, input);
  for (let round = 0; groups.size > 0 || others.length > 0; round += 1) {
    const states = await readStates(db, [...groups.keys()], false);
    const planned = plansFor(groups, states, input, results).map((plan) => ({ plan, request: orderRequest(queue, plan, input) }));
    const requests = [...planned.map(({ request }) => request), ...others];
    const answers = await writer.run(requests.map((request) => request.statements));
    const stale = new Map<string, PlannedApplication[]>();
    for (const [index, answer] of answers.entries()) {
      const request = requests[index];
      if (request === undefined || answer === undefined) continue;
      if (answer.ok) request.settle([...answer.changes], results);
      else if (isStale(answer.error) && round < MAX_REPLANS && request.orderId !== undefined) stale.set(request.orderId, groups.get(request.orderId) ?? []);
      else for (const item of request.items) results[item] = { kind: 'error', error: answer.error };
    }
    groups = stale;
    others = [];
  }
  return results;
}

function groupByOrder(items: readonly BatchItem[]): Map<string, PlannedApplication[]> {
  const groups = new Map<string, PlannedApplication[]>();
  for (const [index, item] of items.entries()) {
    if (item.kind !== 'apply') continue;
    const group = groups.get(item.orderId) ?? [];
    group.push({ index, eventId: item.eventId, facts: item.facts, newAccessToken: item.newAccessToken, now: item.now });
    groups.set(item.orderId, group);
  }
  return groups;
}

/** Each order's plan; the applications to an order that does not exist end as errors here. */
function plansFor(groups: Map<string, PlannedApplication[]>, states: Map<string, OrderState>, input: ApplyBatchInput, results: BatchItemResult[]): OrderPlan[] {
  const plans: OrderPlan[] = [];
  for (const [orderId, applications] of groups) {
    const state = states.get(orderId);
    if (state === undefined) {
      for (const { index } of applications) results[index] = { kind: 'error', error: new OrderNotFoundError(orderId) };
      continue;
    }
    plans.push(planOrder(state, applications, input.decide, input.statusNotices ?? 'queue'));
  }
  return plans;
}

async function readStates(db: Kysely<Database> | Transaction<Database>, orderIds: readonly string[], lock: boolean): Promise<Map<string, OrderState>> {
  const states = new Map<string, OrderState>();
  if (orderIds.length === 0) return states;
  const orders = await db
    .selectFrom('orders')
    .selectAll()
    .where('id', 'in', orderIds)
    .$if(lock, (q) => q.orderBy('id').forUpdate())
    .execute();
  const facts = await db
    .selectFrom('order_facts')
    .select(['order_id', 'fact'])
    .where('order_id', 'in', orderIds)
    .orderBy('recorded_at')
    .orderBy('fact_key')
    .execute();
  const fulfilled = new Set((await db.selectFrom('fulfillments').select('order_id').where('order_id', 'in', orderIds).execute()).map((row) => row.order_id));
  const factsOf = new Map<string, Fact[]>();
  for (const row of facts) {
    const list = factsOf.get(row.order_id) ?? [];
    list.push(JSON.parse(row.fact) as Fact);
    factsOf.set(row.order_id, list);
  }
  for (const row of orders) states.set(row.id, stateOf(row, factsOf.get(row.id) ?? [], fulfilled.has(row.id)));
  return states;
}

interface Request {
  readonly statements: GuardedQuery[];
  /** The order the request writes, if any (a stale one is planned again). */
  readonly orderId?: string;
  readonly items: readonly number[];
  settle(changes: readonly number[], results: BatchItemResult[]): void;
}

/** SQLite: one order's writes, guarded by the state its plan was made from. */
function orderRequest(queue: QueueStatements, plan: OrderPlan, input: ApplyBatchInput): Request {
  const { orderId, from } = plan;
  const statements = guardedOrderWrite({ ...plan, from: { record: from.record, factCount: from.facts.length, fulfilled: from.fulfilled } });
  const applied = [...plan.results].flatMap(([index, outcome]) => ('result' in outcome ? [{ index, result: outcome.result }] : []));
  const completions = statements.length;
  const { workerId } = input;
  if (workerId !== undefined) {
    for (const { index, result } of applied) {
      const item = input.items[index] as Apply;
      statements.push(completion(queue, { id: item.eventId, workerId, status: 'processed', orderId, outcome: `applied: order is ${result.after.status}`, now: item.now }));
    }
  }
  return {
    statements,
    orderId,
    items: [...plan.results.keys()],
    settle(changes, results) {
      for (const [index, outcome] of plan.results) if ('error' in outcome) results[index] = { kind: 'error', error: outcome.error };
      for (const [n, { index, result }] of applied.entries()) {
        results[index] = { kind: 'applied', result, claimHeld: workerId === undefined || (changes[completions + n] ?? 0) > 0 };
      }
    },
  };
}

/** The items that end a claim without facts: each a request of its own. */
function claimRequests(queue: QueueStatements, input: ApplyBatchInput): Request[] {
  const { workerId } = input;
  if (workerId === undefined) return [];
  return input.items.flatMap((item, index): Request[] => {
    if (item.kind === 'apply') return [];
    const statement =
      item.kind === 'ignore'
        ? completion(queue, { id: item.eventId, workerId, status: 'ignored', orderId: null, outcome: item.outcome, now: item.now })
        : queue.fail({ id: item.eventId, workerId, error: item.error, runAt: item.runAt, dead: item.dead, now: item.now });
    const kind = item.kind === 'ignore' ? 'ignored' : 'failed';
    return [{ statements: [statement], items: [index], settle: (changes, results) => void (results[index] = { kind, claimHeld: (changes[0] ?? 0) > 0 }) }];
  });
}
