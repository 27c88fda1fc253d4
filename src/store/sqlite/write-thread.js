// @ts-check
/*
 * The SQLite write thread: its own connection to the database file, running one transaction per message.
 *
 * better-sqlite3 is synchronous, so a commit's fsync (synchronous=FULL) would stop the event loop of the thread
 * that runs it. Webhook intake commits here instead, and the main thread goes on parsing and verifying requests
 * while the disk syncs. Plain JavaScript so that it loads as it is from src/ (tests, tsx) and from dist/.
 *
 * Messages in:  { id, define?: [[n, sql]], statements: [[n, ...params]], guards?: [[index, changes]] }
 *                                        → { id, changes: number[], rows?: (object[] | null)[] } after COMMIT
 *                                          or { id, error: { message, code } }, nothing kept
 *               { define?, requests: [{ id, statements, guards? }, ...] }: several requests, one reply each.
 *               A statement names its SQL by number: `define` gives a number its text (prepared here, once),
 *               before the statements of the same message use it. Numbers hold for the thread's life.
 *               A statement that returns rows (UPDATE … RETURNING) answers them in `rows`. A guard says how many
 *               rows a statement must change; if it changes another number, its request is refused whole with
 *               code SETTLED_STALE (an optimistic check: what the caller read has changed since).
 *               { close: true }                        → closes the connection; the thread then ends.
 * Requests that queue while a commit runs share the next one (see commitTogether).
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';

/** How long BEGIN IMMEDIATE keeps trying while another connection holds the write lock. */
const LOCK_WAIT_MS = 10_000;

if (parentPort === null) throw new Error('write-thread.js runs only as a worker thread');
const port = parentPort;

const database = new BetterSqlite3(/** @type {{ path: string }} */ (workerData).path);
// The same settings as the main connection: FULL makes every commit survive power loss before it is answered.
database.pragma('busy_timeout = 5000');
database.pragma('journal_mode = WAL');
database.pragma('synchronous = FULL');
database.pragma('foreign_keys = ON');
// Lock waits are ours (below): short sleeps, so a held lock costs a webhook milliseconds, not SQLite's 100 ms naps.
database.pragma('busy_timeout = 0');
// Every write goes through this connection, and its cache stays valid across its own commits: 32 MiB (SQLite's
// default is 2) keeps the pages a worker batch goes back to (the events it claims, the orders and their indexes)
// instead of reading them again from the file. Draining a backlog of 8,000 events over 120,000 orders took this
// thread 155–209 µs of CPU per event with 32 MiB, 155 with 64 and 288 with 2 (measured in alternation; a pipeline
// that keeps up gained nothing, its pages being still cached). Pages are held once touched: at most this much memory.
database.pragma(`cache_size = ${-32 * 1024}`);

/** SQL texts by number, as defined; each is prepared at its first use (a failed prepare is retried next time). */
/** @type {string[]} */
const texts = [];
/** @type {import('better-sqlite3').Statement[]} */
const prepared = [];
const pause = new Int32Array(new SharedArrayBuffer(4));

/** @param {unknown[]} row [number, ...params] */
function statement(row) {
  const number = /** @type {number} */ (row[0]);
  let found = prepared[number];
  if (found === undefined) {
    const sql = texts[number];
    if (sql === undefined) throw new Error(`write thread: statement ${number} was never defined`);
    found = database.prepare(sql);
    prepared[number] = found;
  }
  return found;
}

class StaleError extends Error {
  code = 'SETTLED_STALE';
}

/**
 * Runs a request's statements; returns each one's changes, and the rows of those that return rows.
 * @param {Request} request
 * @returns {Reply}
 */
function runRequest({ id, statements, guards }) {
  /** @type {number[]} */
  const changes = [];
  /** @type {(unknown[] | null)[] | undefined} */
  let rows;
  for (const [index, row] of statements.entries()) {
    const found = statement(row);
    if (found.reader) {
      const returned = found.all(...row.slice(1));
      rows ??= statements.map(() => null);
      rows[index] = returned;
      // UPDATE … RETURNING answers a row per row changed; a plain SELECT changes none.
      changes.push(found.readonly ? 0 : returned.length);
    } else {
      changes.push(found.run(...row.slice(1)).changes);
    }
  }
  for (const [index, expected] of guards ?? []) {
    if (changes[index] !== expected) throw new StaleError(`statement ${index} changed ${changes[index]} rows, not ${expected}: the rows it guards have changed`);
  }
  return rows === undefined ? { id, changes } : { id, changes, rows };
}

/** @param {unknown} error */
function isBusy(error) {
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

function beginImmediate() {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let wait = 1; ; wait = Math.min(wait * 2, 8)) {
    try {
      database.exec('begin immediate');
      return;
    } catch (error) {
      if (!isBusy(error) || Date.now() >= deadline) throw error;
      // Blocking is what this thread is for; the main thread's event loop is not waiting on it.
      Atomics.wait(pause, 0, 0, wait);
    }
  }
}

/** @param {unknown} error */
function describe(error) {
  const described = error instanceof Error ? error : new Error(String(error));
  const code = 'code' in described && typeof described.code === 'string' ? described.code : undefined;
  return { message: described.message, code };
}

/** @typedef {{ id: number, changes: number[], rows?: (unknown[] | null)[] } | { id: number, error: { message: string, code: string | undefined } }} Reply */

/**
 * Each request in its own savepoint: one that fails (a constraint, say) is undone alone and answered with its
 * error; the others go on.
 * @param {Request[]} requests
 * @returns {Reply[]}
 */
function runIsolated(requests) {
  return requests.map((request) => {
    database.exec('savepoint request');
    try {
      const reply = runRequest(request);
      database.exec('release request');
      return reply;
    } catch (error) {
      database.exec('rollback to request');
      database.exec('release request');
      return { id: request.id, error: describe(error) };
    }
  });
}

/**
 * Every request waiting when a commit starts goes into it: one fsync for all of them. They first run together
 * with no savepoint: under a savepoint SQLite keeps the prior content of each page a request changes in a
 * statement journal, which for a batch of events outgrew memory into a temporary file created and deleted with
 * each commit. Should a
 * statement fail, the transaction is rolled back and run again with each request in its own savepoint, so the
 * failing request alone is refused.
 * @param {Request[]} requests
 */
function commitTogether(requests) {
  /** @type {Reply[]} */
  let replies;
  try {
    beginImmediate();
    try {
      replies = requests.map(runRequest);
    } catch {
      // Some errors (a full disk, say) have already ended the transaction.
      if (database.inTransaction) database.exec('rollback');
      beginImmediate();
      replies = runIsolated(requests);
    }
    database.exec('commit');
  } catch (error) {
    // No lock, or the commit itself failed: nothing of this group is stored.
    if (database.inTransaction) database.exec('rollback');
    for (const { id } of requests) port.postMessage({ id, error: describe(error) });
    return;
  }
  for (const reply of replies) port.postMessage(reply);
}

/** @typedef {{ id: number, define?: [number, string][], statements: unknown[][], guards?: [number, number][] }} Request */
/** @typedef {{ define?: [number, string][], requests: Request[] }} Requests */
/** @typedef {Request | Requests | { close: true }} Message */

port.on('message', (/** @type {Message} */ first) => {
  /** @type {Message[]} */
  const messages = [first];
  // Whatever else has arrived meanwhile joins this commit.
  for (let next = receiveMessageOnPort(port); next !== undefined; next = receiveMessageOnPort(port)) messages.push(next.message);
  /** @type {Request[]} */
  const requests = [];
  for (const message of messages) {
    if ('close' in message) continue;
    for (const [number, sql] of message.define ?? []) texts[number] = sql;
    if ('requests' in message) requests.push(...message.requests);
    else requests.push(message);
  }
  if (requests.length > 0) commitTogether(requests);
  if (messages.some((message) => 'close' in message)) {
    database.close();
    port.close();
  }
});
