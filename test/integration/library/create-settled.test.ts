import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { CatalogError, createLogger, createSettled } from '../../../src/index.js';

const DEMO_CATALOG = fileURLToPath(new URL('../../../catalog/demo.json', import.meta.url));
let emulator: RunningEmulator;
let dir: string;

beforeAll(async () => {
  emulator = await startEmulator();
  dir = mkdtempSync(join(tmpdir(), 'settled-library-'));
});

afterAll(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

const common = {
  webhookSecrets: ['whsec_libraryTestSecre'],
  orderRefSecret: 'library-order-ref-secret-0123456789',
  publicUrl: 'http://shop.test',
  logger: createLogger({ level: 'silent' }),
  worker: { enabled: false },
};

it('opens its own store from a SQLite path, takes a Stripe key and a catalog file, and closes what it opened', async () => {
  const settled = await createSettled({
    ...common,
    store: { kind: 'sqlite', path: join(dir, 'own', 'settled.sqlite') },
    stripe: { secretKey: 'sk_test_library', apiBase: emulator.url },
    catalog: { path: DEMO_CATALOG },
  });
  const catalog = await settled.app.inject({ method: 'GET', url: '/api/catalog' });
  expect(catalog.json<{ items: { sku: string }[] }>().items.map((item) => item.sku)).toContain('field-notes');
  const created = await settled.app.inject({ method: 'POST', url: '/api/checkout', payload: { items: [{ sku: 'field-notes', quantity: 1 }] } });
  expect(created.statusCode).toBe(201);
  const { orderId } = created.json<{ orderId: string }>();
  expect((await settled.store.orders.get(orderId))?.status).toBe('pending');

  await settled.close();
  await expect(settled.store.orders.get(orderId)).rejects.toThrow();
});

it('says what is wrong with a catalog file before opening anything', async () => {
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, JSON.stringify({ items: [{ sku: 'x', name: 'X', unitAmount: 19.99, currency: 'usd', resource: { title: 'X', body: 'x' } }] }));
  const attempt = createSettled({ ...common, store: { kind: 'sqlite', path: join(dir, 'never', 'settled.sqlite') }, stripe: { secretKey: 'sk_test_x' }, catalog: { path: broken } });
  await expect(attempt).rejects.toThrow(CatalogError);
  await expect(attempt).rejects.toThrow(/unitAmount: must be an integer number of minor units/);
  await expect(createSettled({ ...common, store: { kind: 'sqlite', path: join(dir, 'never2', 'x.sqlite') }, stripe: { secretKey: 'sk_test_x' }, catalog: { path: join(dir, 'missing.json') } })).rejects.toThrow(/cannot read the catalog file/);
});
