import { createLogger } from '../../src/logging.js';
import { createStripeClient, StripeGateway } from '../../src/stripe/gateway.js';
import { openStore } from '../../src/store/index.js';
import { createProcessing } from '../../src/worker/processing.js';
import { announceReady, requiredEnv } from './ready.js';
import { diagnosticQueues } from './queues.js';

// `settled worker` as the CLI runs it (src/cli/actions/worker.ts): the inbox worker and the outbox dispatcher over a
// shared PostgreSQL store, nothing else. Paid sessions never need Stripe; a call would fail fast on port 9.
const store = await openStore({ kind: 'postgres', connectionString: requiredEnv('BENCH_DATABASE_URL'), schema: requiredEnv('BENCH_PG_SCHEMA') });
const logger = createLogger({ level: process.env.BENCH_LOG_LEVEL ?? 'warn' });
const processing = createProcessing({
  store,
  gateway: new StripeGateway(createStripeClient({ secretKey: 'sk_test_bench', apiBase: 'http://127.0.0.1:9' })),
  logger,
  now: Date.now,
  queues: diagnosticQueues(),
});
processing.start();
announceReady(0, async () => {
  await processing.stop();
  await store.close();
});
