import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { afterEach, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { openStore } from '../../../src/store/index.js';
import { runCli, type CliRun } from '../../support/cli.js';

const SECRET = 'whsec_gracefulShutdown';
const signer = new Stripe('sk_test_signer');
const runs: CliRun[] = [];
const dirs: string[] = [];
let emulator: RunningEmulator | undefined;

afterEach(async () => {
  for (const run of runs.splice(0)) {
    if (run.child.exitCode === null && run.child.signalCode === null) {
      run.child.kill('SIGKILL');
      await run.exited();
    }
  }
  await emulator?.close();
  emulator = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function serve(dataDir: string, apiBase: string): CliRun {
  const run = runCli(['serve'], {
    PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    STRIPE_SECRET_KEY: 'sk_test_x',
    STRIPE_API_BASE: apiBase,
    STRIPE_WEBHOOK_SECRET: SECRET,
    RATE_LIMIT_PER_MINUTE: '100000',
    WEBHOOK_RATE_LIMIT_PER_MINUTE: '1000000',
  });
  runs.push(run);
  return run;
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

it('SIGTERM under webhook load exits 0 in time, keeps every acknowledged event, and a restart processes them all', async () => {
  emulator = await startEmulator({});
  const dataDir = join(mkdtempSync(join(tmpdir(), 'settled-shutdown-')), 'data');
  dirs.push(join(dataDir, '..'));
  const first = serve(dataDir, emulator.url);
  const [, url] = await first.waitFor(/settled is serving on (http:\/\/\S+)/);

  const total = 400;
  let answered = 0;
  let signalled: () => void = () => undefined;
  const halfway = new Promise<void>((resolve) => {
    signalled = resolve;
  });
  const deliveries = Array.from({ length: total }, async (_unused, index) => {
    const id = `evt_shutdown_${String(index).padStart(4, '0')}`;
    // A type settled stores but does not act on: the test is about the inbox, not about orders.
    const body = JSON.stringify({ id, object: 'event', type: 'customer.created', created: Math.floor(Date.now() / 1000), data: { object: { id: `cus_${index}` } } });
    const signature = signer.webhooks.generateTestHeaderString({ payload: body, secret: SECRET });
    try {
      const response = await fetch(`${url}/api/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, body });
      await response.arrayBuffer();
      return { id, status: response.status };
    } catch {
      // Refused or cut off once the server stopped accepting: not acknowledged, so Stripe would retry it.
      return { id, status: 0 };
    } finally {
      answered += 1;
      if (answered === total / 4) signalled();
    }
  });
  await halfway;
  first.child.kill('SIGTERM');
  const code = await within(first.exited(), 15_000, 'shutdown').catch((error: unknown) => {
    throw new Error(`${String(error)}; output:\n${first.output().slice(-3000)}`);
  });
  expect(code).toBe(0);
  const results = await Promise.all(deliveries);
  const accepted = results.filter((result) => result.status >= 200 && result.status < 300).map((result) => result.id);
  expect(accepted.length).toBeGreaterThanOrEqual(total / 4);
  // Success, a refused connection or 503 while closing: all of them leave the event for Stripe to retry.
  expect(results.every((result) => result.status === 0 || result.status === 503 || (result.status >= 200 && result.status < 300))).toBe(true);

  const store = await openStore({ kind: 'sqlite', path: join(dataDir, 'settled.sqlite') });
  try {
    for (const id of accepted) expect(await store.inbox.get(id), id).toBeDefined();

    const second = serve(dataDir, emulator.url);
    await second.waitFor(/settled is serving on/);
    const deadline = Date.now() + 15_000;
    let pending = -1;
    while (Date.now() < deadline) {
      const { counts } = await store.inbox.stats();
      pending = counts.pending + counts.processing;
      if (pending === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(pending).toBe(0);
    for (const id of accepted) expect((await store.inbox.get(id))?.status, id).toBe('ignored');
    second.child.kill('SIGTERM');
    expect(await within(second.exited(), 15_000, 'second shutdown')).toBe(0);
  } finally {
    await store.close();
  }
}, 60_000);
