import { createEventFactory, signPayload } from './events.js';

/**
 * How fast this machine is right now, as one number: the median time, in µs, to check the signature of a ~3 KB
 * signed event and parse its JSON (what every webhook request costs at least). The same code measured 1.5–4 times
 * apart on this VM on different days; results from runs with different figures are not comparable in absolute terms.
 */
export function cpuCheckMicros(): number {
  const secret = 'whsec_calibration';
  const make = createEventFactory({ secret, runId: 'calibrate' });
  const events = Array.from({ length: 500 }, (_, n) => make(n));
  const batches: number[] = [];
  for (let batch = 0; batch < 15; batch++) {
    const started = process.hrtime.bigint();
    for (const event of events) {
      const timestamp = Number(event.signature.slice(2, event.signature.indexOf(',')));
      if (signPayload(secret, event.body, timestamp) !== event.signature || (JSON.parse(event.body) as { id: string }).id !== event.id) {
        throw new Error('calibration event did not verify');
      }
    }
    batches.push(Number(process.hrtime.bigint() - started) / 1000 / events.length);
  }
  // The first batches warm the JIT up; the median of the rest is the figure.
  const settled = batches.slice(5).sort((a, b) => a - b);
  return settled[Math.floor(settled.length / 2)] ?? 0;
}
