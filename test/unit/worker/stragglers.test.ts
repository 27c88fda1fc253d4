import { describe, expect, it } from 'vitest';
import { Stragglers } from '../../../src/worker/stragglers.js';

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

describe('stragglers of a batch', () => {
  it('returns what finished in time, hands the rest to a later batch, and tells when one finishes', async () => {
    let told = 0;
    const slow = new Stragglers<string>(20, () => (told += 1));
    const late = deferred<string>();
    const done = await slow.gather(new Map([['a', Promise.resolve('a done')], ['b', late.promise]]));
    expect(done).toEqual(['a done']);
    expect(slow.size).toBe(1);
    expect(slow.takeFinished()).toEqual([]);
    late.resolve('b done');
    expect(await slow.settle()).toBe(true);
    expect(told).toBe(1);
    expect(slow.roomFor(4)).toBe(4);
    expect(slow.takeFinished()).toEqual(['b done']);
    expect(slow.size).toBe(0);
    expect(await slow.settle()).toBe(false);
  });

  it('does not wait out its patience when everything is quick', async () => {
    const slow = new Stragglers<number>(60_000, () => undefined);
    const started = performance.now();
    expect(await slow.gather(new Map([['1', Promise.resolve(1)], ['2', new Promise<number>((resolve) => setTimeout(() => resolve(2), 5))]]))).toEqual([1, 2]);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('an item claimed again while its earlier attempt still runs is the one kept; abandoning returns every held key', async () => {
    const slow = new Stragglers<string>(5, () => undefined);
    const first = deferred<string>();
    const second = deferred<string>();
    await slow.gather(new Map([['x', first.promise]]));
    await slow.gather(new Map([['x', second.promise], ['y', new Promise<string>(() => undefined)]]));
    first.resolve('first');
    await first.promise;
    await Promise.resolve();
    expect(slow.takeFinished()).toEqual([]);
    second.resolve('second');
    await second.promise;
    await Promise.resolve();
    expect(slow.takeFinished()).toEqual(['second']);
    const third = deferred<string>();
    await slow.gather(new Map([['z', third.promise]]));
    third.resolve('third');
    await third.promise;
    await Promise.resolve();
    // Two held (y running, z finished): a batch of 1 still has room for 1, of at most 4 × 1 held in all.
    expect(slow.roomFor(1)).toBe(1);
    expect(slow.roomFor(0)).toBe(0);
    // Claims of another lane's batch count too: with one more held there, the room left is none.
    expect(slow.roomFor(1, 1)).toBe(1);
    expect(slow.roomFor(1, 2)).toBe(0);
    await slow.gather(new Map([['w', new Promise<string>(() => undefined)], ['v', new Promise<string>(() => undefined)]]));
    expect(slow.roomFor(1)).toBe(0);
    expect(slow.abandon().sort()).toEqual(['v', 'w', 'y', 'z']);
    expect(slow.roomFor(1)).toBe(1);
    expect(slow.size).toBe(0);
  });
});
