import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterEach, expect, it } from 'vitest';
import { ROOT, runCli, type CliRun } from '../../support/cli.js';

// Each run is stopped by the test; the TTY ones through `script`, which gives settled a pseudo-terminal as its output.
let run: CliRun | undefined;
const dirs: string[] = [];
afterEach(async () => {
  if (run && run.child.exitCode === null) {
    run.child.kill('SIGKILL');
    await run.exited();
  }
  run = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'settled-logs-'));
  dirs.push(dir);
  return join(dir, 'data');
}

/** `settled serve` with a terminal as stdout, as a person runs it. */
function serveOnTerminal(env: Record<string, string>): CliRun {
  const child = spawn('script', ['-qfec', `${process.execPath} --import tsx src/cli/main.ts serve`, '/dev/null'], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', TERM: 'xterm', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return adopt(child);
}

function adopt(child: ReturnType<typeof spawn>): CliRun {
  let text = '';
  const collect = (chunk: Buffer): void => {
    text += chunk.toString('utf8');
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => text,
    exited: () => exit,
    async waitFor(pattern, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = text.match(pattern);
        if (match) return match;
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no ${pattern} in:\n${text}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

const strip = stripVTControlCharacters;

async function viewPages(url: string): Promise<void> {
  for (const path of ['/', '/assets/settled.css', '/assets/success.js', '/healthz', '/readyz', '/cancel', '/']) await (await fetch(`${url}${path}`)).text();
}

it('logs JSON lines when stdout is not a terminal, one line per page view and none for assets or health checks', async () => {
  run = runCli(['serve'], { PORT: '0', DATA_DIR: dataDir() });
  const [, url] = await run.waitFor(/settled is serving on (http:\/\/\S+)/);
  await viewPages(url!);
  await run.waitFor(/"msg":"GET \/ 200 \d+ms"[^\n]*\n[^]*"msg":"GET \/cancel[^]*"msg":"GET \/ 200/);
  const requestLines = run.output().split('\n').filter((line) => line.includes('"req":'));
  expect(requestLines.map((line) => (JSON.parse(line) as { msg: string }).msg.replace(/ \d+ms$/, ''))).toEqual(['GET / 200', 'GET /cancel 200', 'GET / 200']);
  for (const line of run.output().split('\n').filter((l) => l.startsWith('{'))) expect(() => JSON.parse(line) as unknown).not.toThrow();
});

it('writes the quiet requests too at LOG_LEVEL=debug', async () => {
  run = runCli(['serve'], { PORT: '0', DATA_DIR: dataDir(), LOG_LEVEL: 'debug' });
  const [, url] = await run.waitFor(/settled is serving on (http:\/\/\S+)/);
  await viewPages(url!);
  await run.waitFor(/"level":20[^\n]*"msg":"GET \/healthz 200/);
  expect(run.output()).toMatch(/"level":20[^\n]*"msg":"GET \/assets\/settled.css 200/);
});

it('logs short readable lines on a terminal, with the start lines set apart in bold', async () => {
  run = serveOnTerminal({ PORT: '0', DATA_DIR: dataDir() });
  const [, url] = await run.waitFor(/settled is serving on (http:\/\/[\w.:]+)/);
  await run.waitFor(/admin token for this run: /);
  await viewPages(url!);
  await run.waitFor(/GET \/cancel 200/);
  const output = run.output();
  expect(output).not.toMatch(/\{"level"/);
  expect(output).toContain('\x1b[1msettled is serving on ');
  expect(output).toContain('\x1b[1moperator dashboard on ');
  expect(strip(output)).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: GET \/ 200 \d+ms\r?$/m);
  expect(strip(output)).not.toMatch(/assets|healthz/);
});

it('logs JSON on a terminal when LOG_FORMAT=json asks, and readable lines into a pipe when LOG_FORMAT=pretty does', async () => {
  run = serveOnTerminal({ PORT: '0', DATA_DIR: dataDir(), LOG_FORMAT: 'json' });
  await run.waitFor(/"msg":"settled is serving"/);
  expect(run.output()).not.toContain('\x1b[1m');
  run.child.kill('SIGKILL');
  await run.exited();

  run = runCli(['serve'], { PORT: '0', DATA_DIR: dataDir(), LOG_FORMAT: 'pretty' });
  await run.waitFor(/settled is serving on http/);
  expect(run.output()).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: settled is serving/m);
  expect(run.output()).not.toContain('{"level"');
  expect(run.output()).not.toContain('\x1b[');
});
