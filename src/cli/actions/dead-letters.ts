import { formatTime, OperatorError, oneLine, processAndReport, withOperatorContext } from './operator.js';

export async function listDeadLetters(options: { readonly limit: number }): Promise<void> {
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
}

export async function retryDeadLetters(eventIds: readonly string[], options: { readonly all?: boolean }): Promise<void> {
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
}
