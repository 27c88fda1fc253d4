import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { build } from 'esbuild';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** node with tsx as a loader (not the tsx CLI, which would add a parent process between us and the measured one). */
export function spawnTs(script: string, env: Record<string, string>, stdio: 'pipe' | 'inherit' = 'pipe', args: readonly string[] = []): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', stdio, 'inherit'],
  });
}

const RUNTIME_FILES = ['src/store/sqlite/write-thread.js'];

/**
 * Compiles a TypeScript entry to one ESM file (dependencies stay in node_modules), so a measured process runs
 * plain JavaScript: no loader thread, no compilation during the run, and an RSS that is the program's own.
 */
export async function compileTs(script: string): Promise<string> {
  // One folder per checkout: worktrees that share node_modules would otherwise overwrite each other's bundles mid-run.
  const checkout = createHash('sha256').update(REPO_ROOT).digest('hex').slice(0, 8);
  const outfile = join(REPO_ROOT, 'node_modules', '.cache', `settled-bench-${checkout}`, basename(script).replace(/\.ts$/, '.mjs'));
  await build({ entryPoints: [join(REPO_ROOT, script)], outfile, bundle: true, platform: 'node', format: 'esm', packages: 'external', target: 'node20', logLevel: 'warning' });
  // Files the code loads by URL at run time (worker threads) must sit beside the bundle, as they sit beside their module.
  for (const file of RUNTIME_FILES) copyFileSync(join(REPO_ROOT, file), join(dirname(outfile), basename(file)));
  return outfile;
}

export function spawnJs(file: string, env: Record<string, string>, nodeArgs: readonly string[] = []): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, file], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
}

/**
 * The first stdout line that parses as JSON, or an error if the process exits first. Lines before it that are not
 * JSON go to `onOtherLine` (progress a child reports, say).
 */
export function firstJsonLine<T>(child: ChildProcess, timeoutMs: number, onOtherLine?: (line: string) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    if (!child.stdout) throw new Error('child has no stdout pipe');
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error(`no answer from pid ${child.pid} in ${timeoutMs} ms`)), timeoutMs);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`pid ${child.pid} exited (${code}) before answering`));
    };
    child.once('exit', onExit);
    lines.on('line', (line) => {
      try {
        const value = JSON.parse(line) as T;
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(value);
      } catch {
        // Not our line (a log line, say).
        onOtherLine?.(line);
      }
    });
  });
}

/** Peak resident set size of a live process, from the kernel's high-water mark. */
export function peakRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmHWM:\s+(\d+)\s+kB/.exec(status);
  if (!match?.[1]) throw new Error(`no VmHWM for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/** CPU time (user + system, every thread) a live process has used so far, in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerSecond = 100; // USER_HZ, 100 on Linux for every architecture Node supports.
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** CPU seconds of every process named postgres (the server's backends and helpers): an upper bound if other work uses the server. */
export function postgresCpuSeconds(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') total += cpuSeconds(Number(entry));
    } catch {
      // The process ended meanwhile.
    }
  }
  return total;
}

/** CPU time the whole machine has spent so far, busy and in all, in seconds (every core; Linux /proc/stat). */
export function machineCpuSeconds(): { busy: number; total: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal …: idle and iowait are the not-busy ones.
  const total = fields.slice(0, 8).reduce((sum, n) => sum + n, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: (total - idle) / 100, total: total / 100 };
}

export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}
