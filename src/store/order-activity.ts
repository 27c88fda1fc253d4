import type { StoreContext } from './database.js';
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
  };
}
