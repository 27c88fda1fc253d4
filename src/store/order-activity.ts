import { toNumber, type StoreContext } from './database.js';
import { toOrderRecord } from './orders.js';
import type { OrderActivityRepository } from './types.js';

export function orderActivityRepository({ db }: StoreContext): OrderActivityRepository {
  return {
    async pendingCreatedBefore({ createdBefore, limit }) {
      const rows = await db
        .selectFrom('orders')
        .selectAll()
        .where('status', '=', 'pending')
        .where('created_at', '<', createdBefore)
        .orderBy('created_at')
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(toOrderRecord);
    },

    async inboxEventIds(orderId) {
      const rows = await db.selectFrom('inbox_events').select('id').where('order_id', '=', orderId).orderBy('received_at').orderBy('id').execute();
      return rows.map((row) => row.id);
    },

    async recordRefundRequest(request) {
      await db
        .insertInto('refund_requests')
        .values({
          refund_id: request.refundId,
          order_id: request.orderId,
          amount: request.amount,
          currency: request.currency,
          refunded_before: request.refundedBefore,
          status: request.status,
          requested_at: request.requestedAt,
        })
        .onConflict((conflict) => conflict.column('refund_id').doNothing())
        .execute();
    },

    async refundRequests(orderId) {
      const rows = await db.selectFrom('refund_requests').selectAll().where('order_id', '=', orderId).orderBy('requested_at').orderBy('refund_id').execute();
      return rows.map((row) => ({
        refundId: row.refund_id,
        orderId: row.order_id,
        amount: toNumber(row.amount),
        currency: row.currency,
        refundedBefore: toNumber(row.refunded_before),
        status: row.status,
        requestedAt: toNumber(row.requested_at),
      }));
    },
  };
}
