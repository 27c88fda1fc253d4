import { OperatorError, processAndReport, withOperatorContext } from './operator.js';

export async function runReplay(eventIds: readonly string[]): Promise<void> {
  await withOperatorContext({ stripe: 'if-configured', command: 'replay' }, async (context) => {
    const unknown: string[] = [];
    const queued: string[] = [];
    for (const id of new Set(eventIds)) {
      const row = await context.store.inbox.get(id);
      if (row === undefined) {
        unknown.push(id);
        continue;
      }
      if (await context.store.inbox.requeue({ id, now: Date.now() })) console.log(`requeued ${id} (${row.type}, was ${row.status})`);
      else console.log(`${id} is already ${row.status}; it will be processed as it is`);
      queued.push(id);
    }
    if (queued.length > 0) await processAndReport(context, queued);
    if (unknown.length > 0) {
      throw new OperatorError(`not in the inbox: ${unknown.join(', ')}. Check the id; \`settled reconcile\` fetches events Stripe still keeps (30 days).`);
    }
  });
}
