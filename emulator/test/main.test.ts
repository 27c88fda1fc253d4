import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

describe('standalone entry', () => {
  it('starts on the given port with chaos flags, prints its URL and answers the API', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--port', '0', '--duplicates', '2', '--seed', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let output = '';
        const timer = setTimeout(() => reject(new Error(`no URL printed: ${output}`)), 15_000);
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString('utf8');
          const match = /listening on (http:\/\/\S+)/.exec(output);
          if (match?.[1]) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
        child.on('exit', () => reject(new Error(`exited early: ${output}`)));
      });
      const chaos = (await (await fetch(`${url}/_emulator/chaos`)).json()) as { duplicates: number; seed: number };
      expect(chaos).toMatchObject({ duplicates: 2, seed: 1 });
      const events = await fetch(`${url}/v1/events`, { headers: { authorization: 'Bearer sk_test_main' } });
      expect(events.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
