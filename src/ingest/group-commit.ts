import type { InboxRepository, NewInboxEvent } from '../store/types.js';

interface Waiting {
  readonly event: NewInboxEvent;
  resolve(result: { inserted: boolean }): void;
  reject(error: unknown): void;
}

/**
 * Many concurrent webhook requests share one durable commit: while a commit is running, new events
 * queue, and the next commit takes them all. Each request is answered only after its own commit.
 */
export class GroupCommitter {
  private queue: Waiting[] = [];
  private flushing = false;

  constructor(
    private readonly inbox: InboxRepository,
    private readonly maxBatch = 256,
  ) {}

  add(event: NewInboxEvent): Promise<{ inserted: boolean }> {
    return new Promise((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        // Let the requests already parsed in this turn of the event loop join the first batch.
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        const results = await this.inbox.add(batch.map((w) => w.event));
        const insertedById = new Map(results.map((r) => [r.id, r.inserted]));
        const answered = new Set<string>();
        for (const waiting of batch) {
          const id = waiting.event.id;
          // Two copies of one event in the same batch: only the first counts as the insert.
          const inserted = (insertedById.get(id) ?? false) && !answered.has(id);
          answered.add(id);
          waiting.resolve({ inserted });
        }
      } catch (error) {
        for (const waiting of batch) waiting.reject(error);
      }
    }
    this.flushing = false;
  }
}
