import type { Command } from 'commander';
import { OperatorError, processAndReport, withOperatorContext } from './operator.js';

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('run stored events through processing again (idempotent: a fact already known changes nothing)')
    .argument('<eventIds...>', 'inbox event ids (evt_… from Stripe, or sync_… from verify and the sweep)')
    .addHelpText('after', '\nWith STRIPE_SECRET_KEY set the events are processed here and each outcome is printed;\nwithout it they are queued for a running `settled serve` or `settled worker`.')
    .action(async (eventIds: string[]) => {
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
    });
}
