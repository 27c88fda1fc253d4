import type { Transaction } from 'kysely';
import type { Fact } from '../domain/order-facts.js';
import type { OrderDerived } from '../domain/order.js';
import type { Database, StoreContext } from './database.js';
import { OrderNotFoundError } from './errors.js';
import { loadFacts, toDerived, toOrderRecord, toTerms } from './orders.js';
import type { ApplyFactsInput, ApplyFactsResult, OrderRecord } from './types.js';

export const OUTBOX_KINDS = ['order.fulfilled', 'entitlement.revoked', 'entitlement.restored'] as const;
export type OutboxKind = (typeof OUTBOX_KINDS)[number];

export function applyFacts({ db, dialect }: StoreContext): (input: ApplyFactsInput) => Promise<ApplyFactsResult> {
  return (input) =>
    db.transaction().execute(async (trx) => {
      // PostgreSQL: the row lock serialises applications to one order. SQLite: the transaction is already
      // BEGIN IMMEDIATE, which holds the database write lock from its first statement.
      const row = await trx
        .selectFrom('orders')
        .selectAll()
        .where('id', '=', input.orderId)
        .$if(dialect === 'postgres', (q) => q.forUpdate())
        .executeTakeFirst();
      if (row === undefined) throw new OrderNotFoundError(input.orderId);
      const current = toOrderRecord(row);
      const before = toDerived(row);

      const newFacts = await insertFacts(trx, input);
      const facts = (await loadFacts(trx, input.orderId)).map((stored) => stored.fact);
      const after = input.decide(toTerms(current), facts);

      const fulfilledNow = after.fulfill && (await insertFulfillment(trx, input));
      // The buyer's link exists from fulfillment on, even if a dispute already revokes what it serves.
      const accessToken = current.accessToken ?? (after.fulfill ? input.newAccessToken : null);
      const fulfilledAt = fulfilledNow ? input.now : current.fulfilledAt;
      await trx
        .updateTable('orders')
        .set({
          status: after.status,
          amount_refunded: after.amountRefunded,
          paid_at: after.paidAt,
          review_reason: after.reviewReason,
          fulfill: after.fulfill ? 1 : 0,
          entitlement: after.entitlement,
          access_token: accessToken,
          fulfilled_at: fulfilledAt,
          updated_at: input.now,
        })
        .where('id', '=', input.orderId)
        .execute();

      const record: OrderRecord = { ...current, ...after, accessToken, fulfilledAt, updatedAt: input.now };
      await queueMessages(trx, input, messagesFor(before, after, fulfilledNow), record);
      return { before, after: record, fulfilledNow, newFacts };
    });
}

async function insertFacts(trx: Transaction<Database>, input: ApplyFactsInput): Promise<number> {
  const unique = new Map<string, Fact>();
  for (const fact of input.facts) {
    if (fact.orderId !== input.orderId) {
      throw new Error(`Fact ${fact.key} is about order ${fact.orderId}, not ${input.orderId}; apply facts to the order they name.`);
    }
    if (!unique.has(fact.key)) unique.set(fact.key, fact);
  }
  if (unique.size === 0) return 0;
  const inserted = await trx
    .insertInto('order_facts')
    .values([...unique.values()].map((fact) => ({
      order_id: input.orderId,
      fact_key: fact.key,
      kind: fact.kind,
      fact: JSON.stringify(fact),
      event_id: input.eventId,
      recorded_at: input.now,
    })))
    .onConflict((oc) => oc.columns(['order_id', 'fact_key']).doNothing())
    .returning('fact_key')
    .execute();
  return inserted.length;
}

/** Whether this application is the one that fulfilled the order: decided by the insert, never by a prior read. */
async function insertFulfillment(trx: Transaction<Database>, input: ApplyFactsInput): Promise<boolean> {
  const inserted = await trx
    .insertInto('fulfillments')
    .values({ order_id: input.orderId, event_id: input.eventId, fulfilled_at: input.now })
    .onConflict((oc) => oc.column('order_id').doNothing())
    .returning('order_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

export function messagesFor(before: OrderDerived, after: OrderDerived, fulfilledNow: boolean): OutboxKind[] {
  const kinds: OutboxKind[] = [];
  if (fulfilledNow) kinds.push('order.fulfilled');
  const wasActive = before.entitlement === 'active';
  const isActive = after.entitlement === 'active';
  // Fulfilled and revoked at once (the payment and its dispute arrived together) still tells consumers to revoke.
  if ((wasActive || fulfilledNow) && after.entitlement === 'revoked') kinds.push('entitlement.revoked');
  if (!wasActive && isActive && !fulfilledNow && before.entitlement === 'revoked') kinds.push('entitlement.restored');
  return kinds;
}

async function queueMessages(trx: Transaction<Database>, input: ApplyFactsInput, kinds: readonly OutboxKind[], order: OrderRecord): Promise<void> {
  if (kinds.length === 0) return;
  await trx
    .insertInto('outbox')
    .values(kinds.map((kind) => ({
      order_id: input.orderId,
      kind,
      // Fulfillment happens once per order; entitlement changes once per event that caused them.
      dedupe_key: kind === 'order.fulfilled' ? 'once' : input.eventId,
      payload: JSON.stringify({ kind, orderId: input.orderId, eventId: input.eventId, status: order.status, entitlement: order.entitlement, email: order.email, at: input.now }),
      run_at: input.now,
      created_at: input.now,
    })))
    .onConflict((oc) => oc.columns(['order_id', 'kind', 'dedupe_key']).doNothing())
    .execute();
}
