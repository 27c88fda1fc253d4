import type { Command } from 'commander';
import { positiveInteger } from '../options.js';
import { registerDeadLetterCommands } from './dead-letter-commands.js';

export function registerNotifications(program: Command): void {
  const command = program
    .command('notifications')
    .description('outbox messages (notifications to your backend, confirmations) that failed every attempt, and the delivery log');

  registerDeadLetterCommands(command, {
    listName: 'dead',
    listDescription: 'list dead outbox messages, newest first (the default)',
    retryDescription: 'put dead messages back in the outbox with a fresh set of attempts (same id, same body)',
    idsArgument: ['[ids...]', 'message ids (ntf_12 or 12)'],
    list: async (options) => (await import('../actions/notifications.js')).listDeadMessages(options),
    retry: async (ids, options) => (await import('../actions/notifications.js')).retryDeadMessages(ids, options),
  });

  command
    .command('attempts')
    .description('every attempt to post a notification to SETTLED_NOTIFY_URL, newest first')
    .argument('[id]', 'only this notification (ntf_12)')
    .option('--limit <n>', 'how many to show', positiveInteger, 50)
    .action(async (id: string | undefined, options: { limit: number }) => {
      const { listAttempts } = await import('../actions/notifications.js');
      await listAttempts(id, options);
    });
}
