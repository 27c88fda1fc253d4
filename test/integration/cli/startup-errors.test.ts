import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';

const POSTGRES_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const dirs: string[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

let postgresAnswers = false;
beforeAll(async () => {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2_000 });
  postgresAnswers = await client.connect().then(
    () => true,
    () => false,
  );
  await client.end().catch(() => undefined);
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'settled-startup-'));
  dirs.push(dir);
  return dir;
}

async function listening(): Promise<number> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function closedPort(): Promise<number> {
  const port = await listening();
  await new Promise((resolve) => servers.pop()?.close(resolve));
  return port;
}

async function fails(args: string[], env: Record<string, string>): Promise<string> {
  const run = runCli(args, env);
  expect(await run.exited()).toBe(1);
  return run.output();
}

it('`settled serve` on a port that is taken ends with one line that names PORT and how to choose another', async () => {
  const port = await listening();
  const output = await fails(['serve'], { PORT: String(port), DATA_DIR: tempDir(), LOG_LEVEL: 'warn' });
  expect(output.trim()).toBe(`settled: PORT: 127.0.0.1:${port} is already in use by another process; stop it, or start on another port (PORT=${port + 1} npm start, or settled serve --port ${port + 1}).`);
});

it('a DATA_DIR that cannot be created ends `settled serve` and `settled migrate` with one line that names DATA_DIR', async () => {
  const file = join(tempDir(), 'a-file');
  writeFileSync(file, '');
  for (const command of ['serve', 'migrate']) {
    const output = await fails([command], { PORT: '0', DATA_DIR: join(file, 'data'), LOG_LEVEL: 'warn' });
    expect(output.trim()).toMatch(/^settled: DATA_DIR: settled cannot create or write \S+ \(ENOTDIR\); point DATA_DIR at a folder this user may write/);
    expect(output.trim().split('\n')).toHaveLength(1);
  }
});

it('a DATABASE_URL whose port is closed ends `settled migrate` with one line that names DATABASE_URL and never prints the password', async () => {
  const port = await closedPort();
  const output = await fails(['migrate'], { DATABASE_URL: `postgres://settled:hunter2secret@127.0.0.1:${port}/shop` });
  expect(output.trim()).toBe(`settled: DATABASE_URL: cannot reach PostgreSQL at 127.0.0.1:${port} (ECONNREFUSED); start PostgreSQL, or correct the host and port in DATABASE_URL.`);
  expect(output).not.toContain('hunter2secret');
});

it('a DATABASE_URL naming a database that does not exist ends `settled orders list` with one line saying to create it', async (context) => {
  if (!postgresAnswers) context.skip();
  const url = new URL(POSTGRES_URL);
  url.pathname = '/settled_no_such_database';
  const output = await fails(['orders', 'list'], { DATABASE_URL: url.toString() });
  expect(output.trim()).toMatch(/^settled: DATABASE_URL: PostgreSQL at \S+ has no database "settled_no_such_database"; create it \(createdb settled_no_such_database\)/);
  expect(output.trim().split('\n')).toHaveLength(1);
});
