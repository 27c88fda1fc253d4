import http from 'node:http';

/** One answer of a paced run: when its request was due and when its answer had arrived (epoch ms), and its status. */
export interface PacedResponse {
  readonly dueAtMs: number;
  readonly doneAtMs: number;
  readonly status: number;
}

export interface PacedRequest {
  readonly id: string;
  readonly body: Buffer;
  readonly signature: string;
}

export interface PacedRun {
  readonly url: string;
  readonly ratePerSecond: number;
  readonly durationSeconds: number;
  /** Keep-alive connections at most; a request due while all are busy waits for one, and the wait counts. */
  readonly connections: number;
  readonly next: () => PacedRequest;
  readonly onAcknowledged: (id: string) => void;
}

export interface PacedResult {
  readonly responses: PacedResponse[];
  readonly errors: number;
}

const nowMs = () => performance.timeOrigin + performance.now();

/**
 * An open-loop load: request n is due at start + n / rate, whatever the answers before it did, and its latency is
 * counted from when it was due (a stalled server cannot slow the schedule down and hide its own stall). autocannon's
 * fixed rate is not this: each connection sends its quota for the second back to back, then waits for the next
 * second, so half capacity is full load half of each second.
 */
export function sendPaced(run: PacedRun): Promise<PacedResult> {
  const target = new URL(run.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: run.connections });
  const responses: PacedResponse[] = [];
  const total = Math.round(run.ratePerSecond * run.durationSeconds);
  const intervalMs = 1000 / run.ratePerSecond;
  const startMs = nowMs();
  let sent = 0;
  let settled = 0;
  let errors = 0;
  return new Promise((resolve) => {
    const finishOne = () => {
      settled += 1;
      if (settled === total) {
        agent.destroy();
        resolve({ responses, errors });
      }
    };
    const send = (dueAtMs: number) => {
      const event = run.next();
      const request = http.request(
        { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': event.body.length, 'stripe-signature': event.signature } },
        (response) => {
          response.resume();
          response.once('end', () => {
            const status = response.statusCode ?? 0;
            responses.push({ dueAtMs, doneAtMs: nowMs(), status });
            if (status >= 200 && status < 300) run.onAcknowledged(event.id);
            finishOne();
          });
        },
      );
      request.once('error', () => {
        errors += 1;
        finishOne();
      });
      request.end(event.body);
    };
    // Timers fire at most about once a millisecond: each tick sends every request that has fallen due.
    const tick = () => {
      const now = nowMs();
      while (sent < total && startMs + sent * intervalMs <= now) {
        send(startMs + sent * intervalMs);
        sent += 1;
      }
      if (sent < total) setTimeout(tick, Math.max(0, startMs + sent * intervalMs - nowMs()));
    };
    tick();
  });
}

/** The value below which the given share of sorted values fall (nearest rank). */
export function percentile(sorted: readonly number[], share: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1))] ?? 0;
}
