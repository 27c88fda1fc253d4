import { Redis } from 'ioredis';

export const TEST_REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/**
 * Undefined when Redis at TEST_REDIS_URL answers; else the reason, after a warning that `suite` is skipped. Under
 * CI=true an unreachable Redis throws instead: skipping there would hide a broken run.
 */
export async function redisUnavailable(suite: string): Promise<string | undefined> {
  const probe = new Redis(TEST_REDIS_URL, { lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  let reason: string | undefined;
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    reason = error instanceof Error ? error.message : String(error);
  } finally {
    probe.disconnect();
  }
  if (reason === undefined) return undefined;
  if (process.env['CI'] === 'true') throw new Error(`Redis at ${TEST_REDIS_URL} is unreachable in CI: ${reason}`);
  console.warn(`Skipping ${suite}: Redis at ${TEST_REDIS_URL} is unreachable (${reason}). Set TEST_REDIS_URL to run them.`);
  return reason;
}
