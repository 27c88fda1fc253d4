/** An inbox event's status, as the operator's actions read it (the store's `InboxStatus`). */
export type EventStatus = 'pending' | 'processing' | 'processed' | 'ignored' | 'dead';

/**
 * What an operator may do with an event in this status: a dead letter is retried, a finished event replayed; one
 * still waiting or being processed is left to the worker (putting it back would only reset its attempts).
 */
export function operatorAction(status: EventStatus): 'retry' | 'replay' | undefined {
  if (status === 'dead') return 'retry';
  if (status === 'processed' || status === 'ignored') return 'replay';
  return undefined;
}

// Stripe's ids (evt_…) and settled's own (verify_…, review_…); anything else cannot be in the inbox.
const EVENT_ID = /^[A-Za-z0-9_.:-]{3,255}$/;

export function isEventId(text: string): boolean {
  return EVENT_ID.test(text);
}
