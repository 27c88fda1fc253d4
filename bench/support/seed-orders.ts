import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { BENCH_ORDER_REF, BENCH_ORDER_TOTAL } from './events.js';

/*
 * Orders for the events the load generator makes (ord_<run>_<n>, paid by cs_test_<run>_<n>), written straight into
 * a migrated store before the target says it is ready: a few hundred thousand through the API would take minutes.
 * The columns are those a new order gets from orders.create.
 */
const LINES = JSON.stringify([{ sku: 'field-notes', name: 'Field Notes on Quiet Software', quantity: 1, unitAmount: BENCH_ORDER_TOTAL.amount, currency: BENCH_ORDER_TOTAL.currency }]);

function row(runId: string, n: number, now: number): (string | number | null)[] {
  return [`ord_${runId}_${n}`, LINES, BENCH_ORDER_TOTAL.amount, BENCH_ORDER_TOTAL.currency, BENCH_ORDER_REF, `cs_test_${runId}_${n}`, now];
}

const COLUMNS = 'id, lines, total_amount, currency, order_ref, checkout_session_id, created_at';
const FIXED = "null, 'checkout_session', null, 'pending', 0, null, null, 0, 'none', null, null";
const FIXED_COLUMNS = 'email, flow, payment_intent_id, status, amount_refunded, paid_at, review_reason, fulfill, entitlement, access_token, fulfilled_at';

export function seedSqliteOrders(path: string, runId: string, count: number): void {
  const database = new BetterSqlite3(path);
  try {
    const insert = database.prepare(`insert into orders (${COLUMNS}, updated_at, ${FIXED_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ${FIXED})`);
    const now = Date.now();
    database.transaction(() => {
      for (let n = 0; n < count; n++) insert.run(...row(runId, n, now), now);
    })();
  } finally {
    database.close();
  }
}

export async function seedPostgresOrders(url: string, schema: string, runId: string, count: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const now = Date.now();
    for (let start = 0; start < count; start += 20_000) {
      const ids = Array.from({ length: Math.min(20_000, count - start) }, (_, i) => start + i);
      await client.query(
        `insert into "${schema}".orders (${COLUMNS}, updated_at, ${FIXED_COLUMNS})
         select 'ord_' || $1 || '_' || n, $2, $3, $4, $5, 'cs_test_' || $1 || '_' || n, $6::bigint, $6::bigint, ${FIXED} from unnest($7::int[]) as n`,
        [runId, LINES, BENCH_ORDER_TOTAL.amount, BENCH_ORDER_TOTAL.currency, BENCH_ORDER_REF, now, ids],
      );
    }
  } finally {
    await client.end();
  }
}
