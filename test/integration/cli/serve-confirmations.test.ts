import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { runCli, type CliRun } from '../../support/cli.js';
import { payOnHostedPage } from '../../support/hosted-page.js';

let run: CliRun | undefined;
let dir: string | undefined;
afterEach(async () => {
  if (run && run.child.exitCode === null) {
    run.child.kill('SIGKILL');
    await run.exited();
  }
  run = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

it('`settled serve` without SMTP records the buyer confirmation in DATA_DIR/outbox/confirmations.jsonl', async () => {
  dir = mkdtempSync(join(tmpdir(), 'settled-cli-'));
  const dataDir = join(dir, 'data');
  run = runCli(['serve'], { PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
  const [, url] = await run.waitFor(/settled is serving on (http:\/\/\S+)/);
  const created = await fetch(`${url}/api/checkout`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ items: [{ sku: 'field-notes', quantity: 1 }], email: 'buyer@example.com' }),
  });
  expect(created.status).toBe(201);
  const { checkoutUrl, orderId } = (await created.json()) as { checkoutUrl: string; orderId: string };
  expect((await payOnHostedPage(checkoutUrl)).status).toBe(303);

  const file = join(dataDir, 'outbox', 'confirmations.jsonl');
  const deadline = Date.now() + 10_000;
  let text = '';
  while (Date.now() < deadline) {
    text = await readFile(file, 'utf8').catch(() => '');
    if (text.includes('\n')) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const lines = text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as { orderId: string; to: string; text: string });
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ orderId, to: 'buyer@example.com' });
  expect(lines[0]?.text).toMatch(/\/access\/\S+/);
  run.child.kill('SIGTERM');
  expect(await run.exited()).toBe(0);
});
