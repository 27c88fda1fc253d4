import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { ROOT } from '../../support/cli.js';

const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

// What only running a command needs: if a registration imports one of these again, every --help pays for it.
const HEAVY = /\/node_modules\/(fastify|stripe|kysely|better-sqlite3|pg|ioredis|nodemailer|pino|zod)\/|\/src\/(store|http|stripe|ingest|worker|reconcile|notify)\/|\/emulator\/|\/src\/(config|settled)\.ts$/;

/** Runs the CLI from the sources with a resolve hook that writes down every module it loads. */
async function importsOf(args: string[], env: Record<string, string> = {}): Promise<{ output: string; code: number | null; modules: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'settled-help-imports-'));
  dirs.push(dir);
  const log = join(dir, 'imports.log');
  writeFileSync(log, '');
  writeFileSync(
    join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, result.url + '\\n');
  return result;
}
`,
  );
  writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`);
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', pathToFileURL(join(dir, 'register.mjs')).href, 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { output, code, modules: readFileSync(log, 'utf8').split('\n').filter((line) => line.length > 0) };
}

it('`settled --help` lists every command without loading the store, Fastify, Stripe or the emulator', async () => {
  const { output, code, modules } = await importsOf(['--help']);
  expect(code).toBe(0);
  for (const command of ['serve', 'worker', 'emulator', 'migrate', 'reconcile', 'replay', 'dead-letters', 'deliveries', 'orders', 'refund', 'doctor']) {
    expect(output).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
  }
  // The hook saw the registrations, so an empty list of heavy modules means something.
  expect(modules.some((url) => url.endsWith('/src/cli/commands/serve.ts'))).toBe(true);
  expect(modules.filter((url) => HEAVY.test(url))).toEqual([]);
}, 30_000);

it("a command's --help still lists its options, and loads no more than the registrations", async () => {
  const { output, code, modules } = await importsOf(['orders', 'list', '--help']);
  expect(code).toBe(0);
  expect(output).toContain('--status <status>');
  expect(output).toContain('--limit <n>');
  expect(modules.filter((url) => HEAVY.test(url))).toEqual([]);
}, 30_000);

it('an invalid option value is refused by the registration alone', async () => {
  const { output, code, modules } = await importsOf(['orders', 'list', '--limit', 'x']);
  expect(code).toBe(1);
  expect(output).toContain("option '--limit <n>' argument 'x' is invalid");
  expect(modules.filter((url) => HEAVY.test(url))).toEqual([]);
}, 30_000);

it('running a command loads what it needs when it runs', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'settled-help-data-'));
  dirs.push(dataDir);
  const { output, code, modules } = await importsOf(['migrate'], { DATA_DIR: dataDir });
  expect(output).toContain('migrations applied (sqlite)');
  expect(code).toBe(0);
  expect(modules.some((url) => url.includes('/src/store/'))).toBe(true);
  expect(modules.some((url) => url.includes('/src/config.ts'))).toBe(true);
}, 30_000);
