import { Worker } from 'node:worker_threads';

/** What a statement's parameters may be (structured-cloned to the thread; a Uint8Array binds as a BLOB). */
export type SqliteValue = string | number | bigint | null | Uint8Array;

export interface SqliteStatement {
  readonly sql: string;
  readonly params: readonly SqliteValue[];
  /** The rows it must change; any other number refuses its whole request with code SETTLED_STALE. */
  readonly expectChanges?: number;
}

/** What one request of `run` came to: each statement's changes and returned rows, or why nothing of it was kept. */
export type SqliteRequestResult =
  | { readonly ok: true; readonly changes: readonly number[]; readonly rows: readonly (readonly unknown[] | null)[] }
  | { readonly ok: false; readonly error: Error };

/** The code of a request refused because a guarded statement changed another number of rows than it expected. */
export const STALE_CODE = 'SETTLED_STALE';

type Reply = { id: number; changes: number[]; rows?: (unknown[] | null)[] } | { id: number; error: { message: string; code?: string } };

interface Pending {
  resolve(reply: { changes: number[]; rows?: (unknown[] | null)[] }): void;
  reject(error: unknown): void;
}

/** An error from the write thread, carrying SQLite's code (SQLITE_BUSY, SQLITE_CONSTRAINT_…) like better-sqlite3's own. */
export class SqliteWriteError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'SqliteWriteError';
  }
}

/**
 * Runs write transactions on a second connection in a worker thread (write-thread.js), so that their commits —
 * an fsync each under synchronous=FULL — never stop this thread's event loop. Transactions run one at a time,
 * in the order they were asked for. The thread starts at the first transaction; it keeps the process alive only
 * while a transaction is in flight, like a socket with a request outstanding.
 */
export class SqliteWriteThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  /** The statements the running thread has been given, by number (see transaction). */
  private sqlNumbers = new Map<string, number>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly path: string) {}

  /**
   * Runs the statements in one transaction (BEGIN IMMEDIATE … COMMIT); resolves, after the commit, with each
   * statement's row changes.
   */
  async transaction(statements: readonly SqliteStatement[]): Promise<number[]> {
    const [result] = await this.run([statements]);
    if (result === undefined || !result.ok) throw result?.error ?? new Error('The SQLite write thread gave no answer.');
    return [...result.changes];
  }

  /**
   * Runs several requests in the thread's next commit, each all or nothing on its own: one that fails (a constraint,
   * a guard) is refused alone and the others are kept. Rejects only if the thread cannot be reached.
   */
  async run(requests: readonly (readonly SqliteStatement[])[]): Promise<SqliteRequestResult[]> {
    if (this.closed) throw new Error('The SQLite store is closed.');
    const worker = this.running();
    // Each SQL text crosses to the thread once, with a number; after that a statement is [number, ...params].
    // Copying the same text with every statement cost as much as copying the parameters.
    const define: [number, string][] = [];
    const numbered = requests.map((statements) => {
      const id = this.nextId++;
      const guards: [number, number][] = [];
      const rows = statements.map(({ sql, params, expectChanges }, index) => {
        let number = this.sqlNumbers.get(sql);
        if (number === undefined) {
          number = this.sqlNumbers.size;
          this.sqlNumbers.set(sql, number);
          define.push([number, sql]);
        }
        if (expectChanges !== undefined) guards.push([index, expectChanges]);
        return [number, ...params];
      });
      return guards.length > 0 ? { id, statements: rows, guards } : { id, statements: rows };
    });
    const answers = numbered.map(
      ({ id }) =>
        new Promise<SqliteRequestResult>((resolve) => {
          this.pending.set(id, {
            resolve: ({ changes, rows }) => resolve({ ok: true, changes, rows: rows ?? changes.map(() => null) }),
            reject: (error) => resolve({ ok: false, error: error instanceof Error ? error : new Error(String(error)) }),
          });
        }),
    );
    worker.ref();
    const first = numbered[0];
    if (numbered.length === 1 && first !== undefined) worker.postMessage(define.length > 0 ? { ...first, define } : first);
    else worker.postMessage(define.length > 0 ? { define, requests: numbered } : { requests: numbered });
    return Promise.all(answers);
  }

  /** Waits for the transactions in flight, then closes the thread's connection. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (worker === undefined) return;
    this.worker = undefined;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    // Messages are handled in order, so every transaction already sent finishes before the connection closes.
    worker.postMessage({ close: true });
    worker.ref();
    await exited;
  }

  private running(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = new Worker(new URL('./write-thread.js', import.meta.url), { workerData: { path: this.path } });
    // A new thread knows no statement yet.
    this.sqlNumbers = new Map();
    worker.unref();
    worker.on('message', (reply: Reply) => this.settle(reply));
    worker.on('error', (error) => this.abandon(worker, error));
    worker.on('exit', (code) => this.abandon(worker, new Error(`The SQLite write thread stopped (exit code ${code}).`)));
    this.worker = worker;
    return worker;
  }

  private settle(reply: Reply): void {
    const waiting = this.pending.get(reply.id);
    if (waiting === undefined) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker?.unref();
    if ('error' in reply) waiting.reject(new SqliteWriteError(reply.error.message, reply.error.code));
    else waiting.resolve(reply);
  }

  /** The thread died: what it held is unanswered, so each waiting transaction fails (none was acknowledged). */
  private abandon(worker: Worker, error: Error): void {
    if (this.worker === worker) this.worker = undefined;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}
