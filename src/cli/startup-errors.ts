import { resolve, sep } from 'node:path';
import type { Config } from '../config.js';

/** What went wrong while starting, as a stable code and one line that names the setting to change. */
export class StartupError extends Error {
  constructor(
    readonly code: 'port_in_use' | 'port_not_permitted' | 'host_not_available' | 'data_dir_not_writable' | 'database_missing' | 'database_unreachable' | 'database_refused_login',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StartupError';
  }
}

function errnoOf(error: unknown): { code?: string; syscall?: string; path?: string } {
  if (typeof error !== 'object' || error === null) return {};
  const { code, syscall, path } = error as { code?: unknown; syscall?: unknown; path?: unknown };
  return {
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof syscall === 'string' ? { syscall } : {}),
    ...(typeof path === 'string' ? { path } : {}),
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The address the server could not take: a port it cannot have, or a host that is not this machine's. */
export function listenStartupError(error: unknown, config: Config): unknown {
  const { code } = errnoOf(error);
  const where = `${config.host}:${config.port}`;
  if (code === 'EADDRINUSE') {
    // Suggest a port that is not the one just refused (0 lets the system pick one).
    const other = config.port === 0 || config.port >= 65535 ? 0 : config.port + 1;
    return new StartupError('port_in_use', `PORT: ${where} is already in use by another process; stop it, or start on another port (PORT=${other} npm start, or settled serve --port ${other}).`, { cause: error });
  }
  if (code === 'EACCES') {
    return new StartupError('port_not_permitted', `PORT: this user may not listen on ${where} (ports below 1024 need privileges); choose PORT=1024 or above.`, { cause: error });
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return new StartupError('host_not_available', `HOST: ${config.host} is not an address of this machine; set HOST=127.0.0.1 (this machine only) or HOST=0.0.0.0 (every interface).`, { cause: error });
  }
  return error;
}

const NOT_WRITABLE = new Set(['EACCES', 'EPERM', 'ENOTDIR', 'EROFS', 'EEXIST', 'EISDIR', 'SQLITE_CANTOPEN', 'SQLITE_READONLY']);

/** A file settled keeps under DATA_DIR (the SQLite database, the order_ref key) that could not be created or opened. */
export function dataDirStartupError(error: unknown, config: Config): unknown {
  const { code, path } = errnoOf(error);
  if (code === undefined || !NOT_WRITABLE.has(code)) return error;
  const dataDir = resolve(config.dataDir);
  // An errno error names its path; one outside DATA_DIR (a catalog, a certificate) is not this setting's fault.
  if (path !== undefined && resolve(path) !== dataDir && !resolve(path).startsWith(dataDir + sep)) return error;
  return new StartupError('data_dir_not_writable', `DATA_DIR: settled cannot create or write ${dataDir} (${code}); point DATA_DIR at a folder this user may write, or fix its permissions.`, { cause: error });
}

/** PostgreSQL would not answer at DATABASE_URL. The URL itself is never printed: it may hold a password. */
export function databaseStartupError(error: unknown, databaseUrl: string): StartupError {
  const url = new URL(databaseUrl);
  const server = `PostgreSQL at ${url.hostname}:${url.port || '5432'}`;
  const database = decodeURIComponent(url.pathname.slice(1)) || url.username || 'postgres';
  const { code } = errnoOf(error);
  if (code === '3D000') {
    return new StartupError('database_missing', `DATABASE_URL: ${server} has no database "${database}"; create it (createdb ${database}) or name an existing one in DATABASE_URL.`, { cause: error });
  }
  if (code === '28P01' || code === '28000') {
    return new StartupError('database_refused_login', `DATABASE_URL: ${server} refused the user or password in DATABASE_URL; correct them.`, { cause: error });
  }
  const why = code !== undefined && /^E[A-Z]+$/.test(code) ? code : messageOf(error);
  return new StartupError('database_unreachable', `DATABASE_URL: cannot reach ${server} (${why}); start PostgreSQL, or correct the host and port in DATABASE_URL.`, { cause: error });
}
