/**
 * The slow part of a batch, shared by the inbox worker and the outbox dispatcher. Every item's work starts at once;
 * the batch waits for all of it up to `patienceMs`, and what is still running then goes on in the background, keeps
 * its claim, and is handed to a later batch when it finishes. So one item waiting on Stripe or on a hung URL does not
 * hold the others' commit.
 *
 * The work must not reject: it turns its own failure into a result.
 */
export class Stragglers<R> {
  private readonly running = new Map<string, Promise<void>>();
  private finished: { readonly key: string; readonly result: R }[] = [];

  /** `onFinished` is told each time a straggler finishes (wake the loop, so its result is written soon). */
  constructor(
    private readonly patienceMs: number,
    private readonly onFinished: () => void,
  ) {}

  /** Items still running or finished and not yet taken: each holds a claim. */
  get size(): number {
    return this.running.size + this.finished.length;
  }

  /**
   * How many items a batch of at most `batchSize` may claim: stragglers hold their claims (as do `otherBatches`, the
   * items of batches running beside this one), and at most four batches' worth are held, so that an outage (Stripe,
   * a hung handler) does not claim the whole queue.
   */
  roomFor(batchSize: number, otherBatches = 0): number {
    return Math.max(0, Math.min(batchSize, batchSize * 4 - this.size - otherBatches));
  }

  /** Waits for `work` up to patienceMs; returns the results that came in time, and leaves the rest running. */
  async gather(work: ReadonlyMap<string, Promise<R>>): Promise<R[]> {
    const done: R[] = [];
    const waiting = new Map(work);
    for (const [key, promise] of work) {
      void promise.then((result) => {
        if (waiting.delete(key)) done.push(result);
      });
    }
    if (waiting.size === 0) return done;
    let timer: NodeJS.Timeout | undefined;
    const patience = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.patienceMs)));
    await Promise.race([Promise.all(work.values()).then(() => undefined), patience]);
    clearTimeout(timer);
    // Let the .then above record those that finished in the same turn.
    await Promise.resolve();
    for (const [key, promise] of waiting) {
      waiting.delete(key);
      // Compared by identity: an item claimed again after its lease ran out replaces the earlier straggler.
      const straggler: Promise<void> = promise.then((result) => {
        if (this.running.get(key) !== straggler) return;
        this.running.delete(key);
        this.finished.push({ key, result });
        this.onFinished();
      });
      this.running.set(key, straggler);
    }
    return done;
  }

  /** The results of stragglers that have finished since the last call. */
  takeFinished(): R[] {
    return this.finished.splice(0).map(({ result }) => result);
  }

  /** Waits for every straggler; false if there were none. */
  async settle(): Promise<boolean> {
    if (this.running.size === 0) return false;
    await Promise.all(this.running.values());
    return true;
  }

  /** Forgets every straggler (running or finished): returns their keys, whose claims the caller gives back. */
  abandon(): string[] {
    const keys = [...this.running.keys(), ...this.finished.map(({ key }) => key)];
    this.running.clear();
    this.finished = [];
    return keys;
  }
}
