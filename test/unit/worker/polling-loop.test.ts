import { afterEach, describe, expect, it } from 'vitest';
import { BatchProcessor, PollingLoop } from '../../../src/worker/polling-loop.js';

/** A processor whose one item of work the test holds in the middle of its handling. */
class HeldWork extends BatchProcessor {
  waiting = 1;
  handled = 0;
  claimed: Promise<void>;
  private markClaimed!: () => void;
  private releaseWork: (() => void) | undefined;

  constructor() {
    super({ pollIntervalMs: 10, gatherMs: 0, batchSize: 1 }, (error) => {
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

  it('drains in as many lanes as it has, and with lanes 0 asked for, in one', async () => {
    class Counted extends BatchProcessor {
      left = 7;
      atOnce = 0;
      mostAtOnce = 0;
      constructor(lanes: number) {
        super({ pollIntervalMs: 10, gatherMs: 0, batchSize: 1, lanes }, (error) => {
          throw error;
        });
      }
      protected async runBatch(): Promise<number> {
        this.mostAtOnce = Math.max(this.mostAtOnce, ++this.atOnce);
        await new Promise((resolve) => setTimeout(resolve, 1));
        this.atOnce -= 1;
        if (this.left === 0) return 0;
        this.left -= 1;
        return 1;
      }
    }
    for (const [lanes, mostAtOnce] of [[0, 1], [1, 1], [3, 3]] as const) {
      const counted = new Counted(lanes);
      expect(await counted.drain()).toBe(7);
      expect(counted.mostAtOnce).toBe(mostAtOnce);
    }
  });

  it('returns at once when nothing is pending and nothing is running', async () => {
    processor = new HeldWork();
    processor.waiting = 0;
    expect(await processor.drain()).toBe(0);
  });
});

/** A loop over a script of batch sizes, recording when each step started. */
function scripted(sizes: number[], pacing: { intervalMs: number; gatherMs: number; fullAt: number }) {
  const starts: number[] = [];
  const loop = new PollingLoop(
    async () => {
      starts.push(performance.now());
      return sizes.shift() ?? 0;
    },
    pacing,
    (error) => {
      throw error;
    },
  );
  return { loop, starts };
}

async function until(condition: () => boolean, withinMs = 5_000): Promise<void> {
  const deadline = performance.now() + withinMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe('PollingLoop pacing', () => {
  let running: PollingLoop | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  it('after a batch that was not full, waits gatherMs before the next, even when told of new work', async () => {
    const { loop, starts } = scripted([3, 0], { intervalMs: 60_000, gatherMs: 300, fullAt: 10 });
    running = loop;
    loop.start();
    await until(() => starts.length === 1);
    loop.notify();
    await until(() => starts.length === 2);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(290);
  });

  it.each([
    { when: 'after a full batch', sizes: [10, 10, 0], gatherMs: 5_000 },
    { when: 'with gatherMs 0, after a batch that was not full', sizes: [3, 3, 0], gatherMs: 0 },
  ])('$when, claims again at once', async ({ sizes, gatherMs }) => {
    const { loop, starts } = scripted(sizes, { intervalMs: 60_000, gatherMs, fullAt: 10 });
    running = loop;
    loop.start();
    await until(() => starts.length === 3, 2_500);
    expect(starts[2]! - starts[0]!).toBeLessThan(2_500);
  });

  it('with nothing found, a notice of new work ends the poll wait at once', async () => {
    const { loop, starts } = scripted([0, 0], { intervalMs: 60_000, gatherMs: 5_000, fullAt: 10 });
    running = loop;
    loop.start();
    await until(() => starts.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    loop.notify();
    await until(() => starts.length === 2, 2_500);
  });

  it('stop() ends a gather wait without waiting it out', async () => {
    const { loop, starts } = scripted([3], { intervalMs: 60_000, gatherMs: 60_000, fullAt: 10 });
    loop.start();
    await until(() => starts.length === 1);
    const stopped = performance.now();
    await loop.stop();
    expect(performance.now() - stopped).toBeLessThan(2_500);
    expect(starts).toHaveLength(1);
  });
});

/** A loop with two lanes over a script of batch sizes, each step held until the test lets it finish. */
function heldSteps(sizes: number[]) {
  const running: { size: number; finish: () => void }[] = [];
  let mostAtOnce = 0;
  const loop = new PollingLoop(
    () => {
      const size = sizes.shift() ?? 0;
      return new Promise<number>((resolve) => {
        running.push({ size, finish: () => resolve(size) });
        mostAtOnce = Math.max(mostAtOnce, running.length);
      });
    },
    { intervalMs: 60_000, gatherMs: 0, fullAt: 10, lanes: 2 },
    (error) => {
      throw error;
    },
  );
  /** Finishes the oldest step still running. */
  const finishOne = () => {
    const step = running.shift();
    step?.finish();
    return step?.size;
  };
  return { loop, running, finishOne, mostAtOnce: () => mostAtOnce };
}

describe('PollingLoop lanes', () => {
  let running: ReturnType<typeof heldSteps> | undefined;
  afterEach(async () => {
    const stopping = running?.loop.stop();
    // Stopped, the lanes start no step; those still held are let finish so that stop() can return.
    while (running && running.running.length > 0) running.finishOne();
    await stopping;
    running = undefined;
  });

  it('runs one step at a time while batches are not full', async () => {
    const held = heldSteps([3, 3, 3, 0]);
    running = held;
    held.loop.start();
    for (let step = 0; step < 3; step++) {
      await until(() => held.running.length === 1);
      held.finishOne();
    }
    await until(() => held.running.length === 1);
    expect(held.mostAtOnce()).toBe(1);
  });

  it('after a full batch runs two steps at once, never more, and goes back to one when a batch is not full', async () => {
    const held = heldSteps([10, 10, 10, 10, 3, 0]);
    running = held;
    held.loop.start();
    await until(() => held.running.length === 1);
    // Full: the first lane claims again and the second joins in.
    expect(held.finishOne()).toBe(10);
    for (let step = 0; step < 3; step++) {
      await until(() => held.running.length === 2);
      expect(held.finishOne()).toBe(10);
    }
    // The second lane's batch of 3 sends it back to waiting; the first lane's step (nothing found) runs on alone.
    await until(() => held.running.length === 2);
    expect(held.finishOne()).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(held.running).toHaveLength(1);
    expect(held.mostAtOnce()).toBe(2);
  });

  it('stop() waits for the steps of both lanes', async () => {
    const held = heldSteps([10, 10, 10]);
    held.loop.start();
    await until(() => held.running.length === 1);
    held.finishOne();
    await until(() => held.running.length === 2);
    let stopped = false;
    const stopping = held.loop.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stopped).toBe(false);
    held.finishOne();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stopped).toBe(false);
    held.finishOne();
    await stopping;
    expect(held.running).toHaveLength(0);
  });
});

