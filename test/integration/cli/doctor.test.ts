import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { createStripeClient } from '../../../src/stripe/gateway.js';
import { openStore } from '../../../src/store/index.js';
import { runCli } from '../../support/cli.js';

let emulator: RunningEmulator | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'settled-doctor-'));
  dirs.push(dir);
  return dir;
}

/** A catalog whose one item spells unitAmount wrong. */
function misspeltCatalog(): string {
  const path = join(tempDir(), 'catalog.json');
  writeFileSync(path, JSON.stringify({ items: [{ sku: 'a', name: 'A', unitAmout: 100, currency: 'usd', resource: { title: 'A', body: 'a' } }] }));
  return path;
}

/** A data folder holding a SQLite database that was opened but never migrated. */
async function unmigratedDataDir(): Promise<string> {
  const dir = tempDir();
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'settled.sqlite') });
  await store.migrationStatus();
  await store.close();
  return dir;
}

async function doctor(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const run = runCli(['doctor'], env);
  const code = await run.exited();
  return { code, output: run.output() };
}

it('`settled doctor` passes a sound configuration line by line without printing a secret', async () => {
  emulator = await startEmulator({});
  const stripe = createStripeClient({ secretKey: 'sk_test_doctor', apiBase: emulator.url });
  const publicUrl = 'http://127.0.0.1:4242';
  const endpoint = await stripe.webhookEndpoints.create({ url: `${publicUrl}/api/webhooks/stripe`, enabled_events: ['*'] });
  const dataDir = tempDir();
  const store = await openStore({ kind: 'sqlite', path: join(dataDir, 'settled.sqlite') });
  await store.migrate();
  await store.close();

  const secret = endpoint.secret ?? '';
  const { code, output } = await doctor({ DATA_DIR: dataDir, STRIPE_SECRET_KEY: 'sk_test_doctor', STRIPE_API_BASE: emulator.url, STRIPE_WEBHOOK_SECRET: secret, PUBLIC_URL: publicUrl });
  expect(output).toMatch(/^ok {4}stripe key accepted: /m);
  expect(output).toMatch(new RegExp(`^ok {4}webhook endpoint: ${endpoint.id} .* is enabled`, 'm'));
  expect(output).toMatch(/^ok {4}database: SQLite/m);
  expect(output).toMatch(/^ok {4}migrations: current/m);
  expect(output).toMatch(/^ok {4}catalog: \d+ item/m);
  expect(output).not.toMatch(/^FAIL/m);
  expect(code).toBe(0);
  expect(output).not.toContain(secret);
  expect(output).not.toContain('sk_test_doctor');
});

// Three spawned processes at once: slow on a busy machine, so the time limit is generous.
it('`settled doctor` on a broken configuration says what to fix for each problem and exits 1', { timeout: 90_000 }, async () => {
  emulator = await startEmulator({});
  const base = { STRIPE_SECRET_KEY: 'sk_test_doctor', STRIPE_API_BASE: emulator.url, STRIPE_WEBHOOK_SECRET: 'whsec_nothingmatches', PUBLIC_URL: 'http://127.0.0.1:4242' };
  const [broken, unmigrated, invalid] = await Promise.all([
    doctor({ ...base, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere', CATALOG_PATH: join(tempDir(), 'missing.json') }),
    doctor({ ...base, DATA_DIR: await unmigratedDataDir(), CATALOG_PATH: misspeltCatalog() }),
    doctor({ STRIPE_SECRET_KEY: 'pk_live_oops', STRIPE_WEBHOOK_SECRET: 'wh_oops', DATA_DIR: tempDir() }),
  ]);
  expect(broken.code).toBe(1);
  expect(broken.output).toMatch(/^FAIL {2}webhook endpoint: no endpoint is registered for http:\/\/127\.0\.0\.1:4242\/api\/webhooks\/stripe: add it/m);
  expect(broken.output).toMatch(/^FAIL {2}database: DATABASE_URL: cannot reach PostgreSQL at 127\.0\.0\.1:1 \(ECONNREFUSED\); start PostgreSQL/m);
  expect(broken.output).toMatch(/^FAIL {2}catalog: CATALOG_PATH: cannot read/m);
  expect(broken.output).not.toContain('whsec_nothingmatches');

  expect(unmigrated.code).toBe(1);
  expect(unmigrated.output).toMatch(/^FAIL {2}migrations: 001-initial, 002-delivery-log, 003-delivery-body, 004-leases, 005-inbox-indexes, 006-payload-compression, 007-webhook-rejection-counts, 008-sidecar-api, 009-refund-requests, 010-outbox-indexes, 011-inbox-payloads not applied: run `settled migrate`/m);
  expect(unmigrated.output).toMatch(/^FAIL {2}catalog: \S+catalog\.json: .*items\[0\]: unknown key "unitAmout"; the keys here are sku, name, unitAmount, currency, resource/m);
  expect(unmigrated.output).not.toMatch(/catalog is invalid:;/);

  expect(invalid.code).toBe(1);
  expect(invalid.output).toMatch(/^FAIL {2}configuration: STRIPE_SECRET_KEY: must be a Stripe secret key/m);
  expect(invalid.output).toMatch(/^FAIL {2}configuration: STRIPE_WEBHOOK_SECRET: each webhook secret must start with whsec_/m);
  expect(invalid.output).not.toContain('pk_live_oops');
});

it('`settled doctor` warns about a live key outside production', async () => {
  const { output } = await doctor({ STRIPE_SECRET_KEY: 'sk_live_notreal', STRIPE_API_BASE: 'http://127.0.0.1:1', DATA_DIR: tempDir() });
  expect(output).toMatch(/^warn {2}live key: a live key outside production/m);
  expect(output).toMatch(/^FAIL {2}stripe key accepted: could not reach Stripe at http:\/\/127\.0\.0\.1:1/m);
  expect(output).toMatch(/^FAIL {2}database: no database at .*settled\.sqlite yet: run `settled migrate`/m);
  expect(output).not.toContain('sk_live_notreal');
});

it('`settled doctor` checks the sidecar settings, and names a bad one without printing keys or secrets', async () => {
  const key = ['key', 'a'.repeat(40)].join('_');
  const other = ['key', 'b'.repeat(40)].join('_');
  const secret = ['ntfsecret', 'c'.repeat(40)].join('_');
  const [sound, off, short, bad] = await Promise.all([
    doctor({ DATA_DIR: tempDir(), SETTLED_API_KEYS: `${key},${other}`, SETTLED_NOTIFY_URL: 'http://shop.example/settled/notify', SETTLED_NOTIFY_SECRET: secret }),
    doctor({ DATA_DIR: tempDir() }),
    doctor({ DATA_DIR: tempDir(), SETTLED_API_KEYS: 'short' }),
    doctor({ DATA_DIR: tempDir(), SETTLED_NOTIFY_URL: `https://user:${secret}@shop.example/notify` }),
  ]);
  expect(sound.output).toMatch(/^ok {4}sidecar API: 2 API key\(s\) accepted \(rotating/m);
  expect(sound.output).toMatch(/^warn {2}notifications: posted to http:\/\/shop\.example\/settled\/notify, signed with 1 secret\(s\); use https/m);
  expect(off.output).toMatch(/^warn {2}sidecar API: SETTLED_API_KEYS is not set/m);
  expect(off.output).toMatch(/^warn {2}notifications: SETTLED_NOTIFY_URL is not set/m);
  expect(short.code).toBe(1);
  expect(short.output).toMatch(/^FAIL {2}configuration: SETTLED_API_KEYS: each API key must be at least 32 visible characters/m);
  expect(bad.output).toMatch(/^FAIL {2}configuration: SETTLED_NOTIFY_URL: must not hold a user or password/m);
  expect(bad.output).toMatch(/^FAIL {2}configuration: SETTLED_NOTIFY_SECRET: required with SETTLED_NOTIFY_URL/m);
  expect(bad.code).toBe(1);
  for (const output of [sound.output, off.output, short.output, bad.output]) {
    for (const hidden of [key, other, secret, 'short']) expect(output).not.toContain(hidden);
  }
});
