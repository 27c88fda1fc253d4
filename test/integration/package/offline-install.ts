import { execFile } from 'node:child_process';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  dev?: boolean;
  devOptional?: boolean;
  [field: string]: unknown;
}

interface Manifest {
  name: string;
  version: string;
  license?: string;
  bin?: Record<string, string>;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

export interface PackedTarball {
  readonly filename: string;
  readonly integrity: string;
}

/**
 * `npm pack` of the repository into `destination` (the shop's folder), as `npm publish` would upload it. Without
 * its prepack build: the caller has just built dist/, and building again would only cost the time.
 */
export async function packInto(root: string, destination: string): Promise<PackedTarball> {
  const { stdout } = await npm(['pack', '--json', '--ignore-scripts', '--pack-destination', destination], root, process.env);
  const [packed] = JSON.parse(stdout) as { filename: string; integrity: string }[];
  if (!packed) throw new Error(`npm pack reported nothing:\n${stdout}`);
  return { filename: packed.filename, integrity: packed.integrity };
}

/** The npm cache that installed the repository: after `npm ci` it holds every tarball our lockfile names. */
export async function npmCacheOf(root: string): Promise<string> {
  const { stdout } = await npm(['config', 'get', 'cache'], root, process.env);
  return stdout.trim();
}

/** What the shop's package.json takes from the examples': their other dependencies and their install-script policy. */
export interface ShopNeeds {
  readonly dependencies: Record<string, string>;
  readonly allowScripts: Record<string, boolean>;
}

/**
 * Writes `<app>/package.json` and `<app>/package-lock.json` for a shop that depends on the packed tarball plus
 * `needs.dependencies`, locked to the versions our own lockfile resolved. Without a lockfile npm 11 asks the
 * registry for full packuments, which `npm ci` never caches, and would pick whatever newer versions exist, whose
 * tarballs are not in the cache either; pinned, an offline install needs only what `npm ci` already fetched.
 */
export async function writeShopManifests(
  root: string,
  app: string,
  tarball: PackedTarball,
  needs: ShopNeeds,
): Promise<void> {
  const ours = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as Manifest;
  const repoLock = JSON.parse(await readFile(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const dependencies = { ...needs.dependencies, [ours.name]: `file:${tarball.filename}` };

  const settledEntry: LockEntry = {
    version: ours.version,
    resolved: `file:${tarball.filename}`,
    integrity: tarball.integrity,
    license: ours.license,
    dependencies: ours.dependencies,
    peerDependencies: ours.peerDependencies,
    peerDependenciesMeta: ours.peerDependenciesMeta,
    bin: ours.bin,
    engines: ours.engines,
  };
  const packages: Record<string, LockEntry> = { [`node_modules/${ours.name}`]: settledEntry };
  const pending: [from: string, entry: LockEntry][] = [
    ['', { dependencies: needs.dependencies }],
    [`node_modules/${ours.name}`, settledEntry],
  ];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [from, entry] = next;
    for (const [name, required] of requirementsOf(entry)) {
      const location = resolveLocation(repoLock.packages, from, name);
      if (!location) {
        if (required) throw new Error(`our package-lock.json has no copy of ${name} for ${from || 'the shop'}`);
        continue;
      }
      if (packages[location]) continue;
      const { dev: _dev, devOptional: _devOptional, ...copied } = repoLock.packages[location] as LockEntry;
      packages[location] = copied;
      pending.push([location, copied]);
    }
  }

  const manifest = { name: 'settled-example-shop', version: '1.0.0', private: true, type: 'module', dependencies, allowScripts: needs.allowScripts };
  const top = { name: manifest.name, version: manifest.version, dependencies };
  const lock = { ...top, lockfileVersion: 3, requires: true, packages: { '': top, ...packages } };
  await writeFile(join(app, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(join(app, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
}

/** What a package needs installed beside it: its dependencies, and peers unless optional; `true` when it must exist. */
function requirementsOf(entry: LockEntry): [name: string, required: boolean][] {
  const needs: [string, boolean][] = [];
  for (const name of Object.keys(entry.dependencies ?? {})) needs.push([name, true]);
  for (const name of Object.keys(entry.optionalDependencies ?? {})) needs.push([name, false]);
  for (const name of Object.keys(entry.peerDependencies ?? {})) needs.push([name, entry.peerDependenciesMeta?.[name]?.optional !== true]);
  return needs;
}

/** Node's lookup, over lockfile paths: the nearest node_modules/<name> from `from` up to the root. */
function resolveLocation(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!base) return undefined;
    const parent = base.lastIndexOf('/node_modules/');
    base = parent === -1 ? '' : base.slice(0, parent);
  }
}

/** The environment for the shop's npm and node: ours, minus anything that names the repository. */
export function envOutside(root: string): NodeJS.ProcessEnv {
  const repo = root.replace(/\/$/, '');
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value = ''] of Object.entries(process.env)) {
    if (/^(npm_package_|npm_lifecycle_|INIT_CWD$)/.test(key) || key === 'PATH') continue;
    if (!value.includes(repo)) env[key] = value;
  }
  // `npm test` puts the repository's node_modules/.bin first on PATH; the shop must find npm and node elsewhere.
  env['PATH'] = (process.env['PATH'] ?? '').split(delimiter).filter((dir) => !dir.startsWith(repo)).join(delimiter);
  return env;
}

/**
 * The checkout's compiled better-sqlite3, packed as the prebuilt binary its install script (prebuild-install) looks
 * for before compiling: `<name>-v<version>-node-v<abi>-<platform>-<arch>.tar.gz` in a local prebuilds folder, named
 * in a `.prebuild-installrc` in `workspace`, which prebuild-install finds by walking up from the package it installs
 * (an environment variable would not do: npm warns about an npm_config_ it does not know, and the shell drops a name
 * with a hyphen). The shop's install still runs that script (its `allowScripts` is what is tested) and loads the
 * binary at run time; it only skips compiling SQLite again, which took minutes on a busy machine. False where the
 * checkout has no build to offer (another libc than glibc, no compiled module): then the install compiles.
 */
export async function offerCheckoutPrebuild(root: string, workspace: string): Promise<boolean> {
  const moduleDir = join(root, 'node_modules', 'better-sqlite3');
  const binary = join(moduleDir, 'build', 'Release', 'better_sqlite3.node');
  const glibc = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime;
  if (process.platform === 'linux' && glibc === undefined) return false;
  try {
    await access(binary);
  } catch {
    return false;
  }
  const { version } = JSON.parse(await readFile(join(moduleDir, 'package.json'), 'utf8')) as { version: string };
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  const into = join(workspace, 'prebuilds');
  await mkdir(into, { recursive: true });
  await run('tar', ['-czf', join(into, name), '-C', moduleDir, 'build/Release/better_sqlite3.node']);
  await writeFile(join(workspace, '.prebuild-installrc'), `${JSON.stringify({ 'local-prebuilds': into })}\n`);
  return true;
}

/** Installs the shop's lockfile from the npm cache alone; a failure carries npm's own output. */
export async function installOffline(app: string, cache: string, env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  return npm(['ci', '--offline', '--no-audit', '--no-fund', '--cache', cache], app, env);
}

/** Runs npm; a failure carries what npm (and the script it ran) printed. */
export async function npm(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run('npm', args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`npm ${args.join(' ')} failed in ${cwd}:\n${stderr}\n${stdout}`, { cause: error });
  }
}
