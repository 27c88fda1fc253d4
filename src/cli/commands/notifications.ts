import type { Command } from 'commander';
import { positiveInteger } from '../options.js';

export function registerNotifications(program: Command): void {
  const command = program
    .command('notifications')
    .description('outbox messages (notifications to your backend, confirmations) that failed every attempt, and the delivery log');

  command
    .command('dead', { isDefault: true })
    .description('list dead outbox messages, newest first (the default)')
    .option('--limit <n>', 'how many to show', positiveInteger, 50)
    .action(async (options: { limit: number }) => {
      const { listDeadMessages } = await import('../actions/notifications.js');
      await listDeadMessages(options);
    });

  command
    .command('retry')
    .description('put dead messages back in the outbox with a fresh set of attempts (same id, same body)')
    .argument('[ids...]', 'message ids (ntf_12 or 12)')
    .option('--all', 'retry every dead message')
    .action(async (ids: string[], options: { all?: boolean }) => {
      const { retryDeadMessages } = await import('../actions/notifications.js');
      await retryDeadMessages(ids, options);
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
