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
  await store.rejectionCounts.add([
    { minuteStart: at, sourceAddress: '203.0.113.9', reason: 'signature_mismatch', requests: 1200 },
    { minuteStart: at + 60_000, sourceAddress: '203.0.113.9', reason: 'signature_mismatch', requests: 34 },
    { minuteStart: at + 60_000, sourceAddress: 'other', reason: 'missing_signature', requests: 7 },
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
  expect(all.output()).toContain('1 of these 2 was refused or not stored');

  const rejected = runCli(['deliveries', '--outcome', 'rejected'], { DATA_DIR: dataDir });
  expect(await rejected.exited()).toBe(0);
  expect(rejected.output()).toContain('evt_forged');
  expect(rejected.output()).not.toContain('evt_good');
  expect(rejected.output()).toContain('this delivery was refused or not stored');
});

it('`settled deliveries` says which outcomes exist when given another', async () => {
  const run = runCli(['deliveries', '--outcome', 'lost'], { DATA_DIR: dataDir });
  expect(await run.exited()).toBe(1);
  expect(run.output()).toContain('one of stored, duplicate, rejected, failed');
});

it('`settled deliveries` adds up the refusals counted without a row each, per address and reason, most first', async () => {
  const all = runCli(['deliveries'], { DATA_DIR: dataDir });
  expect(await all.exited()).toBe(0);
  const lines = all.output().trim().split('\n');
  const summary = lines.findIndex((line) => line.startsWith('1241 more refused requests counted without a row each'));
  expect(summary).toBeGreaterThan(0);
  expect(lines[summary + 1]).toMatch(/^ {2}203\.0\.113\.9 +signature_mismatch +1234 +2026-11-25T12:00:00Z to 2026-11-25T12:02:00Z$/);
  expect(lines[summary + 2]).toMatch(/^ {2}other +missing_signature +7 +2026-11-25T12:01:00Z to 2026-11-25T12:02:00Z$/);

  const rejected = runCli(['deliveries', '--outcome', 'rejected'], { DATA_DIR: dataDir });
  expect(await rejected.exited()).toBe(0);
  expect(rejected.output()).toContain('1241 more refused requests');
  for (const args of [['--outcome', 'stored'], ['--event', 'evt_good']]) {
    const filtered = runCli(['deliveries', ...args], { DATA_DIR: dataDir });
    expect(await filtered.exited()).toBe(0);
    expect(filtered.output()).not.toContain('counted without a row');
  }
});
