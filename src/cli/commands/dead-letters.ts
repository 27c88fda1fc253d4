import type { Command } from 'commander';
import { formatTime, OperatorError, oneLine, positiveInteger, processAndReport, withOperatorContext } from './operator.js';

export function registerDeadLetters(program: Command): void {
  const command = program
    .command('dead-letters')
    .description('events that failed every attempt: list them, or retry them once the cause is fixed');

  command
    .command('list', { isDefault: true })
    .description('list dead events, newest first (the default)')
    .option('--limit <n>', 'how many to show', positiveInteger, 50)
    .action(async (options: { limit: number }) => {
      await withOperatorContext({ stripe: 'none', command: 'dead-letters list' }, async ({ store }) => {
        const dead = await store.inbox.list({ status: 'dead', limit: options.limit });
        if (dead.length === 0) {
          console.log('no dead letters');
          return;
        }
        for (const event of dead) {
          console.log(`${event.id}  ${event.type}  attempts ${event.attempts}  received ${formatTime(event.receivedAt)}  last error: ${oneLine(event.lastError)}`);
        }
        console.log(`${dead.length} dead letter(s); retry with \`settled dead-letters retry <eventId…>\` or \`--all\``);
      });
    });

  command
    .command('retry')
    .description('put dead events back in the queue with a fresh set of attempts')
    .argument('[eventIds...]', 'dead event ids to retry')
    .option('--all', 'retry every dead event')
    .action(async (eventIds: string[], options: { all?: boolean }) => {
      if (eventIds.length === 0 && !options.all) throw new OperatorError('name the dead events to retry, or pass --all (`settled dead-letters list` shows them).');
      await withOperatorContext({ stripe: 'if-configured', command: 'dead-letters retry' }, async (context) => {
        const { store } = context;
        const ids = options.all ? (await store.inbox.list({ status: 'dead', limit: 10_000 })).map((event) => event.id) : eventIds;
        const retried: string[] = [];
        const refused: string[] = [];
        for (const id of ids) {
          const row = await store.inbox.get(id);
          if (row?.status !== 'dead') {
            refused.push(`${id} (${row === undefined ? 'not in the inbox' : row.status})`);
            continue;
          }
          if (await store.inbox.requeue({ id, now: Date.now() })) retried.push(id);
        }
        console.log(`retrying ${retried.length} dead letter(s)`);
        if (retried.length > 0) await processAndReport(context, retried);
        if (refused.length > 0) throw new OperatorError(`not dead letters, left alone: ${refused.join(', ')}. Use \`settled replay\` for events that were processed.`);
      });
    });
}
