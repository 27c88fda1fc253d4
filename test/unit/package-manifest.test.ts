import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

interface Manifest {
  readonly dependencies: Record<string, string>;
  readonly overrides?: Record<string, unknown>;
}
interface Lock {
  readonly packages: Record<string, { readonly version?: string; readonly dev?: boolean; readonly engines?: { readonly node?: string } }>;
}

const read = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../../${name}`, import.meta.url), 'utf8')) as T;

it('pins what must stay on Node 20 as a direct dependency, because overrides never reach those who install the package', () => {
  const manifest = read<Manifest>('package.json');
  expect(manifest.overrides).toBeUndefined();
  // fastify accepts light-my-request ^6.0.0; from 6.8 it needs cookie 2, which needs Node 22.
  expect(manifest.dependencies['light-my-request']).toBe('~6.6.0');
  // pino-pretty accepts strip-json-comments ^5.0.3; 5.1 needs Node 22.
  expect(manifest.dependencies['strip-json-comments']).toBe('~5.0.3');
});

/** Whether some alternative of an engines range starts at Node 20 or lower (">=18", "^20.17 || >=22"). */
function acceptsNode20(range: string): boolean {
  return range.split('||').some((alternative) => {
    const lowest = /(?:>=|\^|~)?\s*v?(\d+)/.exec(alternative.trim());
    return lowest === null || alternative.trim() === '*' || Number(lowest[1]) <= 20;
  });
}

it('locks no runtime dependency that asks for a Node newer than 20', () => {
  const lock = read<Lock>('package-lock.json');
  const tooNew = Object.entries(lock.packages)
    .filter(([path, entry]) => path !== '' && entry.dev !== true)
    .filter(([, entry]) => entry.engines?.node !== undefined && !acceptsNode20(entry.engines.node))
    .map(([path, entry]) => `${path}@${entry.version ?? '?'} (${entry.engines?.node ?? ''})`);
  expect(tooNew).toEqual([]);
});
