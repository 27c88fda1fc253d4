import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = new URL('../../../', import.meta.url).pathname;

interface PackEntry {
  readonly files: readonly { readonly path: string }[];
}

describe('the npm package', () => {
  let files: string[] = [];

  beforeAll(async () => {
    // What npm would publish is what is in dist/ now, so build it first.
    await run('npm', ['run', 'build'], { cwd: root });
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root });
    files = (JSON.parse(stdout) as PackEntry[])[0]?.files.map((file) => file.path) ?? [];
  }, 120_000);

  it('ships the compiled library with type declarations for every export', () => {
    for (const path of [
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/adapters/express-entry.js',
      'dist/src/adapters/express-entry.d.ts',
      'dist/emulator/index.js',
      'dist/emulator/index.d.ts',
      'dist/src/cli/main.js',
      'package.json',
      'README.md',
      'CHANGELOG.md',
    ]) {
      expect(files).toContain(path);
    }
  });

  it('ships no tests, data, secrets, sources or benchmarks', () => {
    const forbidden = files.filter(
      (path) => /^(test|data|bench|src|emulator|examples|node_modules)\//.test(path) || /(^|\/)\.env/.test(path) || /\.test\.(js|ts)$/.test(path),
    );
    expect(forbidden).toEqual([]);
  });

  it('the bin named in package.json is in the package and runs from dist', async () => {
    const { stdout: manifest } = await run('npm', ['pkg', 'get', 'bin', 'exports'], { cwd: root });
    const { bin, exports } = JSON.parse(manifest) as { bin: { settled: string }; exports: Record<string, { types?: string; default?: string } | string> };
    expect(files).toContain(bin.settled);
    for (const target of Object.values(exports)) {
      const paths = typeof target === 'string' ? [target] : [target.types, target.default];
      for (const path of paths) expect(files).toContain((path ?? '').replace(/^\.\//, ''));
    }
    const { stdout } = await run('node', [`${root}${bin.settled}`, '--help'], { cwd: root });
    expect(stdout).toContain('serve');
  });
});
