import { StoreUnavailableError } from '../errors/named.js';

export { OrderConflictError, OrderNotFoundError, SchemaTooNewError, StoreUnavailableError } from '../errors/named.js';

/** Unique-constraint violations look different per driver: PostgreSQL SQLSTATE 23505, SQLite's extended code. */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('code' in error)) return false;
  const code = (error as { code: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

// PostgreSQL SQLSTATE classes and codes that say "the database cannot serve this now", not "this request is wrong":
// 08 connection exception, 53 insufficient resources (disk full, too many connections), 57P01-57P03 shutdown or
// starting up, 57014 statement_timeout, 55P03 lock_timeout, 40001/40P01 serialization failure and deadlock, 55000
// as the server says it when a database does not accept connections (ALLOW_CONNECTIONS false, during maintenance).
const PG_UNAVAILABLE_CLASSES = ['08', '53'];
const PG_UNAVAILABLE_CODES = new Set(['57P01', '57P02', '57P03', '57014', '55P03', '40001', '40P01', '55000']);
// SQLite: locked past our wait, the disk full or failing, the file gone or read-only.
const SQLITE_UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|READONLY|NOMEM|PROTOCOL)/;
// The network itself, as Node reports it under either driver.
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// pg raises these without a code when a connection dies or the pool cannot hand one out in time.
const PG_CONNECTION_MESSAGES = /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|Query read timeout)/;

/**
 * Whether an error means the store could not be reached or could not write just now — worth a 503 and a retry —
 * rather than a bug. The one place that reads drivers' error codes for it.
 */
export function isStoreUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  if (error instanceof StoreUnavailableError) return true;
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  if (code !== undefined) {
    if (PG_UNAVAILABLE_CODES.has(code) || PG_UNAVAILABLE_CLASSES.some((prefix) => code.length === 5 && code.startsWith(prefix))) return true;
    if (SQLITE_UNAVAILABLE.test(code) || NETWORK_CODES.has(code)) return true;
  }
  if (error instanceof Error && PG_CONNECTION_MESSAGES.test(error.message)) return true;
  // Kysely and our own wrappers keep the driver's error as the cause.
  return 'cause' in error && error.cause !== error && isStoreUnavailable(error.cause);
}
