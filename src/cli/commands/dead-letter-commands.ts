import type { Command } from 'commander';
import { positiveInteger } from '../options.js';

/** What a queue's dead letters answer to on the command line: the inbox's (`dead-letters`), the outbox's (`notifications`). */
export interface DeadLetterCommands {
  /** The listing subcommand's name; it is also the default. */
  readonly listName: string;
  readonly listDescription: string;
  readonly retryDescription: string;
  /** The retry argument's name and description, e.g. ['[eventIds...]', 'dead event ids to retry']. */
  readonly idsArgument: readonly [string, string];
  readonly list: (options: { limit: number }) => Promise<void>;
  readonly retry: (ids: string[], options: { all?: boolean }) => Promise<void>;
}

/** The list and retry subcommands, registered once for every queue that has dead letters. */
export function registerDeadLetterCommands(command: Command, spec: DeadLetterCommands): void {
  command
    .command(spec.listName, { isDefault: true })
    .description(spec.listDescription)
    .option('--limit <n>', 'how many to show', positiveInteger, 50)
    .action((options: { limit: number }) => spec.list(options));

  command
    .command('retry')
    .description(spec.retryDescription)
    .argument(...spec.idsArgument)
    .option('--all', 'retry every dead letter')
    .action((ids: string[], options: { all?: boolean }) => spec.retry(ids, options));
}
