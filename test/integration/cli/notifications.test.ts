import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStore } from '../../../src/store/index.js';
import { runCli } from '../../support/cli.js';
import { orderTerms, paymentFact, tinyDecide } from '../store/fixtures.js';

let dataDir: string;
let deadId: number;
const storePath = () => join(dataDir, 'settled.sqlite');

beforeAll(async () => {
  dataDir = join(mkdtempSync(join(tmpdir(), 'settled-notifications-')), 'data');
  const store = await openStore({ kind: 'sqlite', path: storePath() });
  await store.migrate();
  await store.orders.create(orderTerms({ id: 'ord_1' }));
  await store.applyFacts({ orderId: 'ord_1', facts: [paymentFact('ord_1', 'pay')], eventId: 'evt_1', now: 1_000, newAccessToken: 'tok', decide: tinyDecide });
  const notice = (await store.outbox.list({ orderId: 'ord_1', limit: 10 })).find((m) => m.kind === 'order.status_changed');
  if (notice === undefined) throw new Error('expected a status notice');
  deadId = notice.id;
  await store.outbox.claim({ workerId: 'w', limit: 10, leaseMs: 1_000, now: 1_000 });
  await store.outbox.fail({ id: deadId, workerId: 'w', error: 'the notify URL answered 500', runAt: 2_000, dead: true, now: 1_500 });
  await store.notifications.record({ outboxId: deadId, attemptedAt: 1_400, durationMs: 12, outcome: 'failed', httpStatus: 500, error: 'the notify URL answered 500' });
  await store.close();
});

afterAll(() => rmSync(join(dataDir, '..'), { recursive: true, force: true }));

it('`settled notifications` lists dead messages and their attempts, and retries one with the same id', async () => {
  const dead = runCli(['notifications'], { DATA_DIR: dataDir });
  expect(await dead.exited()).toBe(0);
  expect(dead.output()).toMatch(new RegExp(`ntf_${deadId} +order\\.status_changed +ord_1 +attempts 1 .*last error: the notify URL answered 500`));

  const attempts = runCli(['notifications', 'attempts', `ntf_${deadId}`], { DATA_DIR: dataDir });
  expect(await attempts.exited()).toBe(0);
  expect(attempts.output()).toMatch(new RegExp(`ntf_${deadId} .* failed +500 +12 ms +the notify URL answered 500`));

  const refused = runCli(['notifications', 'retry', 'evt_1'], { DATA_DIR: dataDir });
  expect(await refused.exited()).toBe(1);
  expect(refused.output()).toContain('not message ids: evt_1');

  const retried = runCli(['notifications', 'retry', `ntf_${deadId}`, '999'], { DATA_DIR: dataDir });
  expect(await retried.exited()).toBe(1);
  expect(retried.output()).toContain('retrying 1 message(s)');
  expect(retried.output()).toContain('ntf_999 (no such message)');

  const store = await openStore({ kind: 'sqlite', path: storePath() });
  try {
    expect(await store.outbox.get(deadId)).toMatchObject({ status: 'pending', attempts: 0 });
  } finally {
    await store.close();
  }
});

it('`settled notifications retry --all` puts every dead message back, and says when there is none', async () => {
  const store = await openStore({ kind: 'sqlite', path: storePath() });
  try {
    // Dead again (the earlier test put it back): claimed and failed for good.
    const now = Date.now();
    await store.outbox.claim({ workerId: 'w2', limit: 10, leaseMs: 1_000, now });
    await store.outbox.fail({ id: deadId, workerId: 'w2', error: 'the notify URL answered 502', runAt: now + 1_000, dead: true, now });
    expect(await store.outbox.get(deadId)).toMatchObject({ status: 'dead' });
  } finally {
    await store.close();
  }

  const all = runCli(['notifications', 'retry', '--all'], { DATA_DIR: dataDir });
  expect(await all.exited()).toBe(0);
  expect(all.output()).toContain('retrying 1 message(s)');
  const after = await openStore({ kind: 'sqlite', path: storePath() });
  try {
    expect(await after.outbox.get(deadId)).toMatchObject({ status: 'pending', attempts: 0 });
  } finally {
    await after.close();
  }

  const none = runCli(['notifications', 'retry', '--all'], { DATA_DIR: dataDir });
  expect(await none.exited()).toBe(0);
  expect(none.output()).toContain('retrying 0 message(s)');
});
