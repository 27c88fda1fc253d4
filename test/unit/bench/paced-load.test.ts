import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { percentile, sendPaced } from '../../../bench/support/paced-load.js';

let server: http.Server | undefined;

afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A server that answers 200 at once, except that it holds every answer while `holdUntil` is in the future. */
async function startServer(holdUntilMs: () => number): Promise<string> {
  server = http.createServer((request, response) => {
    request.resume();
    request.once('end', () => {
      const wait = Math.max(0, holdUntilMs() - Date.now());
      setTimeout(() => response.end('ok'), wait);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe('paced load', () => {
  it('sends every request on its schedule and counts a stalled answer from when its request was due', async () => {
    let holdUntil = 0;
    const url = await startServer(() => holdUntil);
    // The server stalls for 150 ms from 100 ms in. On one connection the requests due meanwhile queue behind the held
    // one: each is sent late, and its wait counts.
    setTimeout(() => (holdUntil = Date.now() + 150), 100);
    let n = 0;
    const acknowledged: string[] = [];
    const { responses, errors } = await sendPaced({
      url,
      ratePerSecond: 200,
      durationSeconds: 0.5,
      connections: 1,
      next: () => ({ id: `evt_${n++}`, body: Buffer.from('{}'), signature: 'unused' }),
      onAcknowledged: (id) => acknowledged.push(id),
    });
    expect(errors).toBe(0);
    expect(responses).toHaveLength(100);
    expect(new Set(acknowledged).size).toBe(100);
    const due = responses.map((r) => r.dueAtMs).sort((a, b) => a - b);
    for (let i = 1; i < due.length; i++) expect((due[i] ?? 0) - (due[i - 1] ?? 0)).toBeCloseTo(5, 6);
    const latencies = responses.map((r) => r.doneAtMs - r.dueAtMs).sort((a, b) => a - b);
    // About 30 requests fall due in the stall: timed from when they were sent, only the held one would be slow.
    expect(latencies.at(-1)).toBeGreaterThan(120);
    expect(latencies.filter((ms) => ms > 50).length).toBeGreaterThanOrEqual(15);
    expect(percentile(latencies, 0.1)).toBeLessThan(50);
  });

  it('takes the nearest-rank percentile', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 0.5)).toBe(50);
    expect(percentile(values, 0.99)).toBe(99);
    expect(percentile(values, 1)).toBe(100);
    expect(percentile([], 0.5)).toBe(0);
  });
});
