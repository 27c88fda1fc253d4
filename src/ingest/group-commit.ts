import type {
  DeliveryLogRepository,
  InboxRepository,
  NewInboxEvent,
  NewWebhookDelivery,
  WebhookRejectionCount,
  WebhookRejectionCountRepository,
} from '../store/types.js';

interface Waiting {
  readonly event: NewInboxEvent;
  resolve(result: { inserted: boolean }): void;
  reject(error: unknown): void;
}

export interface GroupCommitOptions {
  /** Most events in one commit. */
  readonly maxBatch?: number;
  /**
   * Batches in flight at once (default one). More keep the database busy while each waits for its sync:
   * PostgreSQL flushes concurrent commits together, SQLite's write thread commits waiting batches as one.
   */
  readonly concurrency?: number;
}

/**
 * Many concurrent webhook requests share one durable commit: while commits are running, new events queue,
 * and the next commit takes them all. Each request is answered only after its own commit.
 */
export class GroupCommitter {
  private queue: Waiting[] = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly maxBatch: number;
  private readonly concurrency: number;

  constructor(
    private readonly inbox: InboxRepository,
    options: GroupCommitOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 256;
    this.concurrency = options.concurrency ?? 1;
  }

  add(event: NewInboxEvent): Promise<{ inserted: boolean }> {
    return new Promise((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      if (this.inFlight < this.concurrency && !this.scheduled) {
        this.scheduled = true;
        // Let the requests already parsed in this turn of the event loop join the batch.
        setImmediate(() => {
          this.scheduled = false;
          this.startCommits();
        });
      }
    });
  }

  private startCommits(): void {
    while (this.queue.length > 0 && this.inFlight < this.concurrency) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight += 1;
      void this.commit(batch).finally(() => {
        this.inFlight -= 1;
        this.startCommits();
      });
    }
  }

  private async commit(batch: Waiting[]): Promise<void> {
    try {
      const results = await this.inbox.add(batch.map((w) => w.event));
      for (const [index, waiting] of batch.entries()) waiting.resolve({ inserted: results[index]?.inserted ?? false });
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    }
  }
}

/**
 * The delivery log beside the group commit: a log line per webhook request would otherwise cost a durable
 * commit per request and undo the batching above. Entries queued while one write runs go out together in the
 * next; a write that fails fails only its own entries (the log is best effort, never the answer to Stripe).
 */
export class BatchedDeliveryLog implements DeliveryLogRepository {
  private queue: { entry: NewWebhookDelivery; resolve(): void; reject(error: unknown): void }[] = [];
  private flushing = false;

  constructor(
    private readonly log: DeliveryLogRepository,
    private readonly maxBatch = 256,
  ) {}

  record(entry: NewWebhookDelivery): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ entry, resolve, reject });
      if (this.flushing) return;
      this.flushing = true;
      // A microtask, not setImmediate: the requests answered by one group commit all log before it runs,
      // and a lone request's line is written as promptly as an unbatched one would be.
      queueMicrotask(() => void this.flush());
    });
  }

  recordMany(entries: readonly NewWebhookDelivery[]): Promise<void> {
    return this.log.recordMany(entries);
  }

  list(input: Parameters<DeliveryLogRepository['list']>[0]): ReturnType<DeliveryLogRepository['list']> {
    return this.log.list(input);
  }

  prune(input: { receivedBefore: number }): Promise<number> {
    return this.log.prune(input);
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        await this.log.recordMany(batch.map((waiting) => waiting.entry));
        for (const waiting of batch) waiting.resolve();
      } catch (error) {
        for (const waiting of batch) waiting.reject(error);
      }
    }
    this.flushing = false;
  }
}

/**
 * Counted webhook rejections, added up in memory while a write runs and written together by the next: a flood
 * costs one upsert per batch, not per request. Callers of one batch share its promise, so what waits in memory is
 * bounded by the distinct keys (the rejection budget's), not by the number of requests.
 */
export class BatchedRejectionCounts {
  private pending = new Map<string, WebhookRejectionCount>();
  private next: { promise: Promise<void>; resolve(): void; reject(error: unknown): void } | undefined;
  private writing = false;

  constructor(private readonly counts: Pick<WebhookRejectionCountRepository, 'add'>) {}

  add(count: WebhookRejectionCount): Promise<void> {
    const key = `${count.minuteStart}\u0000${count.sourceAddress}\u0000${count.reason}`;
    const seen = this.pending.get(key);
    this.pending.set(key, seen === undefined ? count : { ...seen, requests: seen.requests + count.requests });
    this.next ??= deferred();
    const { promise } = this.next;
    if (!this.writing) {
      this.writing = true;
      // A microtask, as for the delivery log: the refusals answered in one turn go out together.
      queueMicrotask(() => void this.flush());
    }
    return promise;
  }

  private async flush(): Promise<void> {
    while (this.pending.size > 0 && this.next !== undefined) {
      const batch = [...this.pending.values()];
      const done = this.next;
      this.pending = new Map();
      this.next = undefined;
      try {
        await this.counts.add(batch);
        done.resolve();
      } catch (error) {
        done.reject(error);
      }
    }
    this.writing = false;
  }
}

function deferred(): { promise: Promise<void>; resolve(): void; reject(error: unknown): void } {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  return { promise, resolve, reject };
}
