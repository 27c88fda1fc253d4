import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliRun {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `pattern` in stdout+stderr, or rejects at the deadline or exit. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited(): Promise<number | null>;
}

/**
 * Runs `settled <args>` from the sources, as `npm start` does, with exactly the environment given. With `terminal`,
 * its output is a pseudo-terminal (through util-linux `script`), as when a person runs it in a shell.
 */
export function runCli(args: string[], env: Record<string, string>, options: { terminal?: boolean } = {}): CliRun {
  const command = [process.execPath, '--import', 'tsx', 'src/cli/main.ts', ...args];
  const [file, argv] = options.terminal ? ['script', ['-qfec', command.join(' '), '/dev/null']] : [process.execPath, command.slice(1)];
  const child = spawn(file!, argv as string[], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...(options.terminal ? { TERM: 'xterm' } : {}), ...env },
    // `script` reads its standard input for the terminal; an open pipe that never writes keeps it running.
    stdio: [options.terminal ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer): void => {
    text += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => text,
    exited: () => exit,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const match = text.match(pattern);
          if (!match) return;
          cleanup();
          resolve(match);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${pattern}; output so far:\n${text}`));
        }, timeoutMs);
        void exit.then((code) => {
          cleanup();
          reject(new Error(`settled exited (${code}) before ${pattern}; output:\n${text}`));
        });
        const cleanup = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}
