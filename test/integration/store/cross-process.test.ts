import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/index.js';
import { orderTerms } from './fixtures.js';

const run = promisify(execFile);
const child = fileURLToPath(new URL('./claim-in-child.ts', import.meta.url));

describe('SQLite shared by several processes', () => {
  it('three processes claiming from one file never receive the same event and all finish', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'settled-procs-'));
    const path = join(dir, 'settled.db');
    try {
      const store = await openStore({ kind: 'sqlite', path });
      await Promise.all([store.migrate(), store.migrate()]);
      await store.orders.create(orderTerms());
      const ids = Array.from({ length: 240 }, (_, i) => `evt_${String(i).padStart(3, '0')}`);
      await store.inbox.add(ids.map((id) => ({ id, type: 't', payload: '{}', source: 'webhook' as const, receivedAt: 1_000 })));
      await store.close();

      const workers = ['p1', 'p2', 'p3'];
      const running = Promise.all(workers.map((worker) => run(process.execPath, ['--import', 'tsx', child, path, worker], { timeout: 20_000 })));
      const deadline = Date.now() + 15_000;
      while (!workers.every((worker) => existsSync(`${path}.ready.${worker}`))) {
        if (Date.now() > deadline) throw new Error('the child processes never became ready');
        await delay(5);
      }
      writeFileSync(`${path}.go`, '');
      const perProcess = (await running).map(({ stdout }) => JSON.parse(stdout) as string[]);
      expect(perProcess.flat().sort()).toEqual(ids);
      // They really ran side by side: more than one of them got work.
      expect(perProcess.filter((claimed) => claimed.length > 0).length).toBeGreaterThan(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
