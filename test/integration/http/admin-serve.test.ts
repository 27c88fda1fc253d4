import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { runCli, type CliRun } from '../../support/cli.js';

let run: CliRun | undefined;
let dir: string | undefined;
afterEach(async () => {
  if (run && run.child.exitCode === null) {
    run.child.kill('SIGKILL');
    await run.exited();
  }
  run = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function signIn(url: string, token: string): Promise<number> {
  const response = await fetch(`${url}/admin/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
    redirect: 'manual',
  });
  return response.status;
}

it('`settled serve` in offline demo mode prints a generated admin token that signs in to the dashboard', async () => {
  dir = mkdtempSync(join(tmpdir(), 'settled-admin-'));
  run = runCli(['serve'], { PORT: '0', DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'warn' });
  const [, url] = await run.waitFor(/settled is serving on (http:\/\/\S+)/);
  const [, token] = await run.waitFor(/admin token for this run: (\S+)/);
  expect(token?.length).toBeGreaterThanOrEqual(24);
  expect(await signIn(url ?? '', 'a-guess-that-is-not-the-token-000')).toBe(401);
  expect(await signIn(url ?? '', token ?? '')).toBe(303);
});

it('`settled serve` with ADMIN_TOKEN set uses it and never prints it', async () => {
  dir = mkdtempSync(join(tmpdir(), 'settled-admin-'));
  const chosen = 'chosen-admin-token-abcdefghijklmnop';
  run = runCli(['serve'], { PORT: '0', DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'info', ADMIN_TOKEN: chosen });
  const [, url] = await run.waitFor(/settled is serving on (http:\/\/\S+)/);
  expect(await signIn(url ?? '', chosen)).toBe(303);
  expect(run.output()).not.toContain(chosen);
});
