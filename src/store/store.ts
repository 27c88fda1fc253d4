import type { StoreContext } from './database.js';
import { applyFacts } from './apply-facts.js';
import { deliveryLogRepository } from './delivery-log.js';
import { inboxRepository, type InboxWriter } from './inbox.js';
import { leaseRepository } from './leases.js';
import { migrate } from './migrate.js';
import { migrationStatus } from './migration-status.js';
import { migrations } from './migrations/index.js';
import { orderActivityRepository } from './order-activity.js';
import { orderRepository } from './orders.js';
import { outboxRepository } from './outbox.js';
import { settingsRepository } from './settings.js';
import type { Store } from './types.js';

/** One Store over either dialect: the repositories are written once against Kysely. */
export function createStore(
  context: StoreContext,
  options: { schema: string | undefined; close: () => Promise<void>; inboxWriter: InboxWriter },
): Store {
  let closed = false;
  return {
    dialect: context.dialect,
    inbox: inboxRepository(context, options.inboxWriter),
    orders: orderRepository(context),
    outbox: outboxRepository(context),
    settings: settingsRepository(context),
    leases: leaseRepository(context),
    deliveryLog: deliveryLogRepository(context),
    orderActivity: orderActivityRepository(context),
    applyFacts: applyFacts(context),
    migrate: () => migrate(context.db, migrations(context.dialect), options.schema),
    migrationStatus: () => migrationStatus(context.db, migrations(context.dialect), options.schema),
    async close() {
      if (closed) return;
      closed = true;
      await options.close();
    },
  };
}
