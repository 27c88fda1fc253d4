import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { connectRateLimitRedis } from '../../../src/cli/runtime.js';
import { createLogger } from '../../../src/logging.js';
import { createSettled, type Settled } from '../../../src/settled.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { msUntil } from '../../support/exactly-once.js';
import { intakeOnlyOptions, listenOnLoopback } from '../../support/intake-app.js';
import { redisUnavailable, TEST_REDIS_URL } from '../../support/redis.js';
import { startTcpRelay, type TcpRelay } from '../../support/tcp-relay.js';

const REDIS = new URL(TEST_REDIS_URL);
// A buyer request may wait this long on a Redis that hangs: its command timeout and a margin.
const WORST_MS = 1_500;

const unreachable = await redisUnavailable('the Redis outage tests');

describe.skipIf(unreachable !== undefined)('rate limits while their Redis fails', () => {
  let relay: TcpRelay | undefined;
  let redis: Redis | undefined;
  let settled: Settled | undefined;
  let store: Store | undefined;
  let dir: string | undefined;

  afterEach(async () => {
    await settled?.close();
    await store?.close();
    redis?.disconnect();
    await relay?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    settled = undefined;
    store = undefined;
    redis = undefined;
    relay = undefined;
    dir = undefined;
  });

  async function timedGet(url: string): Promise<{ status: number; ms: number }> {
    const started = Date.now();
    const response = await fetch(`${url}/api/catalog`);
    await response.arrayBuffer();
    return { status: response.status, ms: Date.now() - started };
  }

  it('serves buyers without a limit, in bounded time, while Redis hangs or refuses, and counts in Redis again once it is back', { timeout: 60_000 }, async () => {
    relay = await startTcpRelay({ host: REDIS.hostname, port: Number(REDIS.port || 6379) });
    const relayed = new URL(relay.url);
    const warnings: string[] = [];
    redis = connectRateLimitRedis(`redis://${relayed.host}`, { warn: (_obj: unknown, message?: string) => void warnings.push(String(message)) });
    dir = mkdtempSync(join(tmpdir(), 'settled-redis-outage-'));
    store = await openStore({ kind: 'sqlite', path: join(dir, 'settled.sqlite') });
    await store.migrate();
    const prefix = `settled-test-${randomBytes(4).toString('hex')}`;
    settled = await createSettled(
      intakeOnlyOptions(store, 'whsec_redisOutage', { logger: createLogger({ level: 'silent' }), rateLimits: { buyerPerMinute: 1_000, webhookRejectedPerMinute: 1_000, redis, redisPrefix: prefix } }),
    );
    const url = await listenOnLoopback(settled);
    expect(await timedGet(url)).toMatchObject({ status: 200 });

    await relay.setMode('silent');
    const whileHanging = [];
    for (let n = 0; n < 3; n += 1) whileHanging.push(await timedGet(url));
    expect(whileHanging.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(whileHanging.filter((answer) => answer.ms > WORST_MS)).toEqual([]);

    await relay.setMode('refuse');
    const whileDown = [];
    for (let n = 0; n < 3; n += 1) whileDown.push(await timedGet(url));
    expect(whileDown.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(whileDown.filter((answer) => answer.ms > WORST_MS)).toEqual([]);
    // ioredis reports the broken connection when it notices, not at once: the warning is logged, sooner or later.
    await msUntil(async () => warnings.length > 0, 10_000, 'a logged warning about Redis');

    await relay.setMode('forward');
    const direct = new Redis(REDIS.toString());
    try {
      // ioredis reconnects on its own; once it has, the buyer's requests are counted in Redis again.
      const deadline = Date.now() + 15_000;
      let keys: string[] = [];
      while (keys.length === 0 && Date.now() < deadline) {
        await timedGet(url);
        keys = await direct.keys(`${prefix}:buyer:*`);
        if (keys.length === 0) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(keys.length).toBeGreaterThan(0);
      const all = await direct.keys(`${prefix}:*`);
      if (all.length > 0) await direct.del(...all);
    } finally {
      direct.disconnect();
    }
  });
});
