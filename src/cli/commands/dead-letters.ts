import type { Command } from 'commander';
import { positiveInteger } from '../options.js';

export function registerDeadLetters(program: Command): void {
  const command = program
    .command('dead-letters')
    .description('events that failed every attempt: list them, or retry them once the cause is fixed');

  command
    .command('list', { isDefault: true })
    .description('list dead events, newest first (the default)')
    .option('--limit <n>', 'how many to show', positiveInteger, 50)
    .action(async (options: { limit: number }) => {
      const { listDeadLetters } = await import('../actions/dead-letters.js');
      await listDeadLetters(options);
    });

  command
    .command('retry')
    .description('put dead events back in the queue with a fresh set of attempts')
    .argument('[eventIds...]', 'dead event ids to retry')
    .option('--all', 'retry every dead event')
    .action(async (eventIds: string[], options: { all?: boolean }) => {
      const { retryDeadLetters } = await import('../actions/dead-letters.js');
      await retryDeadLetters(eventIds, options);
    });
}
