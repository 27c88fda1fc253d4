import { HANDLED_EVENT_TYPES } from '../stripe/event-facts.js';

/** The event types settled handles that a webhook endpoint subscribed to `enabledEvents` would not send. */
export function eventsNotSent(enabledEvents: readonly string[]): string[] {
  const events = new Set(enabledEvents);
  return events.has('*') ? [] : HANDLED_EVENT_TYPES.filter((type) => !events.has(type));
}
