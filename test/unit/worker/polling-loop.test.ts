import { afterEach, describe, expect, it } from 'vitest';
import { BatchProcessor } from '../../../src/worker/polling-loop.js';

/** A processor whose one item of work the test holds in the middle of its handling. */
class HeldWork extends BatchProcessor {
  waiting = 1;
  handled = 0;
  claimed: Promise<void>;
  private markClaimed!: () => void;
  private releaseWork: (() => void) | undefined;

  constructor() {
    super(10, (error) => {
      throw error;
    });
    this.claimed = new Promise((resolve) => (this.markClaimed = resolve));
  }

  release(): void {
    this.releaseWork?.();
  }

  protected async runBatch(): Promise<number> {
    if (this.waiting === 0) return 0;
    this.waiting -= 1;
    this.markClaimed();
    await new Promise<void>((resolve) => (this.releaseWork = resolve));
    this.handled += 1;
    return 1;
  }
}

let processor: HeldWork | undefined;

afterEach(async () => {
  processor?.release();
  await processor?.stop();
  processor = undefined;
});

describe('BatchProcessor.drain', () => {
  it('waits for a batch the running loop claimed before it, so everything pending is handled when it returns', async () => {
    processor = new HeldWork();
    processor.start();
    await processor.claimed;
    let drained = false;
    const drain = processor.drain().then((count) => {
      drained = true;
      return count;
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(drained).toBe(false);
    processor.release();
    // drain() itself claimed nothing; the loop's batch was handled before it returned.
    expect(await drain).toBe(0);
    expect(processor.handled).toBe(1);
  });

  it('returns at once when nothing is pending and nothing is running', async () => {
    processor = new HeldWork();
    processor.waiting = 0;
    expect(await processor.drain()).toBe(0);
  });
});
