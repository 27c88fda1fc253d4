import type { StoreContext } from './database.js';
import { applyBatch } from './apply-batch.js';
import { applyFacts } from './apply-facts.js';
import { deliveryLogRepository } from './delivery-log.js';
import { inboxRepository, type InboxWriter } from './inbox.js';
import { idempotencyKeyRepository } from './idempotency-keys.js';
import { leaseRepository } from './leases.js';
import { notificationAttemptRepository } from './notification-attempts.js';
import { migrate } from './migrate.js';
import { migrationStatus } from './migration-status.js';
import { migrations } from './migrations/index.js';
import { orderActivityRepository } from './order-activity.js';
import { orderRepository } from './orders.js';
import { outboxRepository } from './outbox.js';
import { rejectionCountRepository } from './rejection-counts.js';
import { settingsRepository } from './settings.js';
import { storeHealth } from './health.js';
import type { Store, StoreHealth } from './types.js';
import { postgresWriter, sqliteWriter } from './writes.js';

function observed<T>(health: StoreHealth, write: Promise<T>): Promise<T> {
  return write.then(
    (result) => {
      health.recordWrite({ ok: true });
      return result;
    },
    (error: unknown) => {
      health.recordWrite({ ok: false, error });
      throw error;
    },
  );
}

/** One Store over either dialect: the repositories are written once against Kysely. */
export function createStore(
  context: StoreContext,
  options: { schema: string | undefined; close: () => Promise<void>; inboxWriter: InboxWriter },
): Store {
  let closed = false;
  const health = storeHealth(context, { sqliteWriter: 'sqlite' in options.inboxWriter ? options.inboxWriter.sqlite : undefined });
  const writer = 'sqlite' in options.inboxWriter ? sqliteWriter(options.inboxWriter.sqlite) : postgresWriter(context.db);
  const inbox = inboxRepository(context, options.inboxWriter, writer);
  const batch = applyBatch(context, writer);
  const apply = applyFacts(batch);
  return {
    dialect: context.dialect,
    health,
    // The two writes every payment goes through tell the health check how writing goes, at no cost of their own.
    inbox: { ...inbox, add: (events) => observed(health, inbox.add(events)) },
    orders: orderRepository(context),
    outbox: outboxRepository(context, writer),
    settings: settingsRepository(context),
    leases: leaseRepository(context),
    deliveryLog: deliveryLogRepository(context),
    rejectionCounts: rejectionCountRepository(context),
    orderActivity: orderActivityRepository(context),
    idempotencyKeys: idempotencyKeyRepository(context),
    notifications: notificationAttemptRepository(context),
    applyFacts: (input) => observed(health, apply(input)),
    applyBatch: (input) => observed(health, batch(input)),
    migrate: () => migrate(context.db, migrations(context.dialect), options.schema, context.dialect),
    migrationStatus: () => migrationStatus(context.db, migrations(context.dialect), options.schema),
    async close() {
      if (closed) return;
      closed = true;
      await options.close();
    },
  };
}
