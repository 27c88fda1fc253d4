import type { Command } from 'commander';
import { registerDeadLetterCommands } from './dead-letter-commands.js';

export function registerDeadLetters(program: Command): void {
  const command = program
    .command('dead-letters')
    .description('events that failed every attempt: list them, or retry them once the cause is fixed');
  registerDeadLetterCommands(command, {
    listName: 'list',
    listDescription: 'list dead events, newest first (the default)',
    retryDescription: 'put dead events back in the queue with a fresh set of attempts',
    idsArgument: ['[eventIds...]', 'dead event ids to retry'],
    list: async (options) => (await import('../actions/dead-letters.js')).listDeadLetters(options),
    retry: async (ids, options) => (await import('../actions/dead-letters.js')).retryDeadLetters(ids, options),
  });
}
