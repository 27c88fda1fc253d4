import { writeFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { createEventFactory, type SignedEvent } from './support/events.js';
import { WARMED_UP_LINE } from './support/load-phases.js';
import { percentile, sendPaced, type PacedResponse } from './support/paced-load.js';

/**
 * The load generator, run as its own process so it never shares a CPU queue with the target. Each request is a
 * distinct, signed event; the ids of every 2xx are written out so the bench can check each one was stored. The
 * events are made and signed before the run, as bytes, so that sending one costs the generator the same little
 * work whatever the target: events made during the run (a pool too small for the target's speed) would take CPU
 * from the fastest targets only, and are counted.
 */
export interface LoadSpec {
  readonly url: string;
  readonly secret: string;
  readonly runId: string;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  /** Events made (and signed) before the run; beyond it they are made on the fly (and counted). */
  readonly poolSize: number;
  readonly ackedIdsPath: string;
  /** For comparing CPU per request between versions: send at most this many requests per second (all connections). */
  readonly ratePerSecond?: number;
  /**
   * For the tail: requests evenly spaced at this rate, open loop, each timed from when it was due (see sendPaced),
   * instead of autocannon. The measured run's answers are written to `responsesPath` as JSON when it is given.
   */
  readonly pacedRatePerSecond?: number;
  readonly responsesPath?: string;
}

export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly latencyP50Ms: number;
  /** Paced runs only. */
  readonly latencyP90Ms?: number;
  readonly latencyP99Ms: number;
  readonly latencyMaxMs: number;
  readonly ok2xx: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly acknowledged: number;
  readonly eventsMade: number;
  /** Of those, the ones sent during the warm-up. */
  readonly eventsMadeInWarmup: number;
  /** Events the pool did not hold, made while the load ran: the generator's work per request was then higher. */
  readonly eventsMadeDuringRun: number;
  /** The load generator's own CPU time over the measured run, s: what it took from the machine the target shares. */
  readonly loadGeneratorCpuSeconds?: number;
}

interface PreparedEvent {
  readonly id: string;
  readonly body: Buffer;
  readonly signature: string;
}

const spec = JSON.parse(process.env.BENCH_LOAD ?? '') as LoadSpec;
const make = createEventFactory({ secret: spec.secret, runId: spec.runId });
const prepare = (event: SignedEvent): PreparedEvent => ({ id: event.id, body: Buffer.from(event.body), signature: event.signature });
const pool: PreparedEvent[] = [];
for (let n = 0; n < spec.poolSize; n++) pool.push(prepare(make(n)));
let next = 0;
const acked: string[] = [];

function nextEvent(): PreparedEvent {
  const n = next++;
  return pool[n] ?? prepare(make(n));
}

interface Context {
  eventId?: string;
}

function run(durationSeconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: durationSeconds,
    ...(spec.ratePerSecond ? { overallRate: spec.ratePerSecond } : {}),
    requests: [
      {
        method: 'POST',
        setupRequest(request, context: Context) {
          const event = nextEvent();
          context.eventId = event.id;
          return { ...request, body: event.body, headers: { 'content-type': 'application/json', 'stripe-signature': event.signature } };
        },
        onResponse(status, _body, context: Context) {
          if (status >= 200 && status < 300 && context.eventId) acked.push(context.eventId);
        },
      },
    ],
  });
}

function paced(durationSeconds: number, rate: number) {
  return sendPaced({ url: spec.url, ratePerSecond: rate, durationSeconds, connections: spec.connections, next: nextEvent, onAcknowledged: (id) => acked.push(id) });
}

/** The paced run's figures, in the shape of autocannon's that the rest of the bench reads. */
function pacedSummary(responses: readonly PacedResponse[], errors: number, durationSeconds: number) {
  const ok = responses.filter((r) => r.status >= 200 && r.status < 300);
  const latencies = ok.map((r) => r.doneAtMs - r.dueAtMs).sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 100) / 100;
  return {
    requestsPerSecond: responses.length / durationSeconds,
    latencyP50Ms: round(percentile(latencies, 0.5)),
    latencyP90Ms: round(percentile(latencies, 0.9)),
    latencyP99Ms: round(percentile(latencies, 0.99)),
    latencyMaxMs: round(latencies.at(-1) ?? 0),
    ok2xx: ok.length,
    non2xx: responses.length - ok.length,
    errors,
    timeouts: 0,
  };
}

async function measured(): Promise<Omit<LoadResult, 'acknowledged' | 'eventsMade' | 'eventsMadeInWarmup' | 'eventsMadeDuringRun'>> {
  const rate = spec.pacedRatePerSecond;
  if (rate !== undefined) {
    if (spec.warmupSeconds > 0) await paced(spec.warmupSeconds, rate);
    markWarmedUp();
    const { responses, errors } = await paced(spec.durationSeconds, rate);
    if (spec.responsesPath) writeFileSync(spec.responsesPath, JSON.stringify(responses));
    return pacedSummary(responses, errors, spec.durationSeconds);
  }
  if (spec.warmupSeconds > 0) await run(spec.warmupSeconds);
  markWarmedUp();
  const result = await run(spec.durationSeconds);
  return {
    requestsPerSecond: result.requests.average,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    latencyMaxMs: result.latency.max,
    ok2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

let warmupAcked = 0;
let warmupMade = 0;
let cpuAtWarmedUp = process.cpuUsage();
function markWarmedUp(): void {
  warmupAcked = acked.length;
  warmupMade = next;
  cpuAtWarmedUp = process.cpuUsage();
  // The bench measures the target's CPU time from here on.
  process.stdout.write(`${WARMED_UP_LINE}\n`);
}

const figures = await measured();
const cpuInRun = process.cpuUsage(cpuAtWarmedUp);
writeFileSync(spec.ackedIdsPath, acked.join('\n'));
const summary: LoadResult = {
  ...figures,
  acknowledged: acked.length - warmupAcked,
  eventsMade: next,
  eventsMadeInWarmup: warmupMade,
  eventsMadeDuringRun: Math.max(0, next - spec.poolSize),
  loadGeneratorCpuSeconds: (cpuInRun.user + cpuInRun.system) / 1e6,
};
process.stdout.write(`${JSON.stringify(summary)}\n`);
