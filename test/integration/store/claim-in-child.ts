// Run as a separate process by cross-process.test.ts: claims from the SQLite file until the inbox is empty.
import { existsSync, writeFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { openStore } from '../../../src/store/index.js';

const [path, workerId] = process.argv.slice(2);
if (path === undefined || workerId === undefined) throw new Error('usage: claim-in-child.ts <sqlite path> <worker id>');
const store = await openStore({ kind: 'sqlite', path });
// Start together: say we are ready, then wait for the parent's go, so no process finishes before another starts.
writeFileSync(`${path}.ready.${workerId}`, '');
while (!existsSync(`${path}.go`)) await delay(2);
const claimed: string[] = [];
for (;;) {
  const batch = await store.inbox.claim({ workerId, limit: 2, leaseMs: 60_000, now: 10_000 });
  if (batch.length === 0) break;
  for (const event of batch) {
    // A write transaction per event, so the processes contend for the lock in both kinds of statement.
    await store.applyFacts({ orderId: 'ord_1', facts: [], eventId: event.id, now: 10_000, newAccessToken: 'unused', decide: (_terms, _facts) => ({ status: 'pending', amountRefunded: 0, paidAt: null, reviewReason: null, fulfill: false, entitlement: 'none' }) });
    claimed.push(event.id);
  }
}
await store.close();
process.stdout.write(JSON.stringify(claimed));
