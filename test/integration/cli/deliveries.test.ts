import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStore } from '../../../src/store/index.js';
import { runCli } from '../../support/cli.js';

let dataDir: string;

beforeAll(async () => {
  dataDir = join(mkdtempSync(join(tmpdir(), 'settled-deliveries-')), 'data');
  const store = await openStore({ kind: 'sqlite', path: join(dataDir, 'settled.sqlite') });
  await store.migrate();
  const at = Date.UTC(2026, 10, 25, 12, 0, 0);
  await store.deliveryLog.recordMany([
    { receivedAt: at, sourceAddress: '3.18.12.63', outcome: 'stored', reason: null, eventId: 'evt_good', eventType: 'checkout.session.completed', signatureHeader: 't=1,v1=ab' },
    { receivedAt: at + 1000, sourceAddress: '203.0.113.9', outcome: 'rejected', reason: 'signature_mismatch', eventId: 'evt_forged', eventType: 'checkout.session.completed', signatureHeader: null },
  ]);
  await store.close();
});

afterAll(() => rmSync(join(dataDir, '..'), { recursive: true, force: true }));

it('`settled deliveries` lists the delivery log newest first, filtered by outcome', async () => {
  const all = runCli(['deliveries'], { DATA_DIR: dataDir });
  expect(await all.exited()).toBe(0);
  const lines = all.output().trim().split('\n');
  expect(lines[0]).toMatch(/rejected .*from 203\.0\.113\.9 +evt_forged checkout\.session\.completed +signature_mismatch/);
  expect(lines[1]).toMatch(/stored .*from 3\.18\.12\.63 +evt_good/);
  expect(all.output()).toContain('1 of these 2 were refused');

  const rejected = runCli(['deliveries', '--outcome', 'rejected'], { DATA_DIR: dataDir });
  expect(await rejected.exited()).toBe(0);
  expect(rejected.output()).toContain('evt_forged');
  expect(rejected.output()).not.toContain('evt_good');
});

it('`settled deliveries` says which outcomes exist when given another', async () => {
  const run = runCli(['deliveries', '--outcome', 'lost'], { DATA_DIR: dataDir });
  expect(await run.exited()).toBe(1);
  expect(run.output()).toContain('one of stored, duplicate, rejected, failed');
});
