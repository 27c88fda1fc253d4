import type { StoreTestContext } from './stores.js';

/** Rows in the fulfillments table, for one order or for all: the number exactly-once is about. */
export async function fulfillments(ctx: StoreTestContext, orderId?: string): Promise<number> {
  const where = orderId === undefined ? '' : ` where order_id = '${orderId.replace(/'/g, "''")}'`;
  const rows = await ctx.execute(`select count(*) as n from fulfillments${where}`);
  return Number(rows[0]?.['n']);
}
