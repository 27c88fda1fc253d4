/** Diagnosis only: BENCH_QUEUE_BATCH and BENCH_QUEUE_GATHER give both queues another batch size or gather wait. */
export function diagnosticQueues() {
  const batch = process.env.BENCH_QUEUE_BATCH ? { batchSize: Number(process.env.BENCH_QUEUE_BATCH) } : {};
  const gather = process.env.BENCH_QUEUE_GATHER ? { gatherMs: Number(process.env.BENCH_QUEUE_GATHER) } : {};
  return { inbox: { ...batch, ...gather }, outbox: { ...batch, ...gather } };
}

/** True when the environment asks for other queue settings than the defaults (such runs are not published). */
export function queuesOverridden(): boolean {
  return process.env.BENCH_QUEUE_BATCH !== undefined || process.env.BENCH_QUEUE_GATHER !== undefined;
}
