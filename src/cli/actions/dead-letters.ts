import { listDeadLetters as deadLetters, retryDeadLetters as retry } from '../../operations/events.js';
import { formatTime, OperatorError, oneLine, processAndReport, withOperatorContext } from './operator.js';

export async function listDeadLetters(options: { readonly limit: number }): Promise<void> {
  await withOperatorContext({ stripe: 'none', command: 'dead-letters list' }, async ({ store }) => {
    const dead = await deadLetters(store, options.limit);
    if (dead.length === 0) {
      console.log('no dead letters');
      return;
    }
    for (const event of dead) {
      console.log(`${event.id}  ${event.type}  attempts ${event.attempts}  received ${formatTime(event.receivedAt)}  last error: ${oneLine(event.lastError)}`);
    }
    console.log(`${dead.length} dead letter(s); retry with \`settled dead-letters retry <eventId…>\` or \`--all\``);
  });
}

export async function retryDeadLetters(eventIds: readonly string[], options: { readonly all?: boolean }): Promise<void> {
  if (eventIds.length === 0 && !options.all) throw new OperatorError('name the dead events to retry, or pass --all (`settled dead-letters list` shows them).');
  await withOperatorContext({ stripe: 'if-configured', command: 'dead-letters retry' }, async (context) => {
    const { retried, refused } = await retry({ store: context.store, now: Date.now }, options.all ? 'all' : { ids: eventIds });
    console.log(`retrying ${retried.length} dead letter(s)`);
    if (retried.length > 0) await processAndReport(context, retried);
    if (refused.length > 0) {
      const which = refused.map(({ id, status }) => `${id} (${status === 'not_in_inbox' ? 'not in the inbox' : status})`).join(', ');
      throw new OperatorError(`not dead letters, left alone: ${which}. Use \`settled replay\` for events that were processed.`);
    }
  });
}
