/** What a reader of the webhook delivery log asks for. */
export interface DeliveryFilter {
  readonly outcome?: 'stored' | 'duplicate' | 'rejected' | 'failed' | undefined;
  readonly eventId?: string | undefined;
}

/**
 * Whether the counted rejections (past the per-address budget, no row each) answer this filter: they have no event
 * id and were all rejected, so they answer neither an event id nor another outcome.
 */
export function countedRejectionsApply(filter: DeliveryFilter): boolean {
  return filter.eventId === undefined && (filter.outcome === undefined || filter.outcome === 'rejected');
}

/** Deliveries that were refused or could not be stored: the ones an operator has to look into. */
export function refusedDeliveries(outcomes: readonly DeliveryFilter['outcome'][]): number {
  return outcomes.filter((outcome) => outcome === 'rejected' || outcome === 'failed').length;
}
