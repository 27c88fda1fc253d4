import { deadOutboxMessages, notificationAttempts, parseNotificationId, retryDeadOutboxMessages } from '../../operations/notifications.js';
import { formatTime, OperatorError, oneLine, withOperatorContext } from './operator.js';

export async function listDeadMessages(options: { readonly limit: number }): Promise<void> {
  await withOperatorContext({ stripe: 'none', command: 'notifications dead' }, async ({ store }) => {
    const dead = await deadOutboxMessages(store, options.limit);
    if (dead.length === 0) {
      console.log('no dead outbox messages');
      return;
    }
    for (const m of dead) {
      console.log(`ntf_${m.id}  ${m.kind}  ${m.orderId}  attempts ${m.attempts}  queued ${formatTime(m.createdAt)}  last error: ${oneLine(m.lastError)}`);
    }
    console.log(`${dead.length} dead message(s); retry with \`settled notifications retry <id…>\` or \`--all\``);
  });
}

export async function retryDeadMessages(ids: readonly string[], options: { readonly all?: boolean }): Promise<void> {
  if (ids.length === 0 && !options.all) throw new OperatorError('name the dead messages to retry (ntf_12), or pass --all (`settled notifications dead` shows them).');
  const parsed = ids.map((text) => ({ text, id: parseNotificationId(text) }));
  const malformed = parsed.filter((entry) => entry.id === undefined).map((entry) => entry.text);
  if (malformed.length > 0) throw new OperatorError(`not message ids: ${malformed.join(', ')}; use the ids \`settled notifications dead\` shows (ntf_12).`);
  await withOperatorContext({ stripe: 'none', command: 'notifications retry' }, async ({ store }) => {
    const target = options.all ? 'all' : { ids: parsed.map((entry) => entry.id as number) };
    const { retried, refused } = await retryDeadOutboxMessages(store, target, Date.now());
    console.log(`retrying ${retried.length} message(s): a running \`settled serve\` or \`settled worker\` delivers them`);
    if (refused.length > 0) {
      const which = refused.map(({ id, outcome }) => `ntf_${id} (${outcome === 'unknown' ? 'no such message' : 'not dead'})`).join(', ');
      throw new OperatorError(`left alone: ${which}.`);
    }
  });
}

export async function listAttempts(idText: string | undefined, options: { readonly limit: number }): Promise<void> {
  const id = idText === undefined ? undefined : parseNotificationId(idText);
  if (idText !== undefined && id === undefined) throw new OperatorError(`${idText} is not a notification id; use one like ntf_12.`);
  await withOperatorContext({ stripe: 'none', command: 'notifications attempts' }, async ({ store }) => {
    const attempts = await notificationAttempts(store, { id, limit: options.limit });
    if (attempts.length === 0) {
      console.log('no delivery attempts');
      return;
    }
    for (const a of attempts) {
      console.log(`ntf_${a.outboxId}  ${formatTime(a.attemptedAt)}  ${a.outcome}  ${a.httpStatus ?? '-'}  ${a.durationMs} ms  ${oneLine(a.error)}`);
    }
  });
}
