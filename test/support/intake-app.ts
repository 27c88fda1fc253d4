import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { createLogger } from '../../src/logging.js';
import type { Settled, SettledOptions } from '../../src/settled.js';
import type { Store } from '../../src/store/types.js';
import { demoCatalog } from './catalog.js';

/**
 * Options for a settled that only takes requests: its Stripe client points at a closed port (a call to Stripe
 * would fail the test), the worker is off and nothing is logged. `extra` overrides any of them.
 */
export function intakeOnlyOptions(store: Store, webhookSecret: string, extra: Partial<SettledOptions> = {}): SettledOptions {
  return {
    store,
    stripe: new Stripe('sk_test_unused', { host: '127.0.0.1', port: 9, protocol: 'http', maxNetworkRetries: 0 }),
    webhookSecrets: [webhookSecret],
    catalog: demoCatalog(),
    orderRefSecret: 'r'.repeat(32),
    publicUrl: 'http://shop.test',
    logger: createLogger({ level: 'silent' }),
    worker: { enabled: false },
    ...extra,
  };
}

/** Listens on a free loopback port; the base URL. */
export async function listenOnLoopback(settled: Settled): Promise<string> {
  await settled.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(settled.app.server.address() as AddressInfo).port}`;
}
