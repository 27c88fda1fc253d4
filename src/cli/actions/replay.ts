import { replayEvents } from '../../operations/events.js';
import { OperatorError, processAndReport, withOperatorContext } from './operator.js';

export async function runReplay(eventIds: readonly string[]): Promise<void> {
  await withOperatorContext({ stripe: 'if-configured', command: 'replay' }, async (context) => {
    const outcomes = await replayEvents({ store: context.store, now: Date.now }, eventIds);
    for (const outcome of outcomes) {
      if (outcome.kind === 'requeued') console.log(`requeued ${outcome.id} (${outcome.type}, was ${outcome.was})`);
      if (outcome.kind === 'waiting') console.log(`${outcome.id} is already ${outcome.status}; it will be processed as it is`);
    }
    const queued = outcomes.flatMap((outcome) => (outcome.kind === 'unknown' ? [] : [outcome.id]));
    const unknown = outcomes.flatMap((outcome) => (outcome.kind === 'unknown' ? [outcome.id] : []));
    if (queued.length > 0) await processAndReport(context, queued);
    if (unknown.length > 0) {
      throw new OperatorError(`not in the inbox: ${unknown.join(', ')}. Check the id; \`settled reconcile\` fetches events Stripe still keeps (30 days).`);
    }
  });
}
