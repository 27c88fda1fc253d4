import type { ApplyBatchInput, ApplyFactsInput, ApplyFactsResult, BatchItemResult } from './types.js';

/** One application on its own: a batch of one, with no claim to end (see apply-batch.ts). */
export function applyFacts(applyBatch: (input: ApplyBatchInput) => Promise<BatchItemResult[]>): (input: ApplyFactsInput) => Promise<ApplyFactsResult> {
  return async ({ orderId, facts, eventId, now, newAccessToken, decide }) => {
    const [outcome] = await applyBatch({ items: [{ kind: 'apply', orderId, facts, eventId, now, newAccessToken }], decide });
    if (outcome?.kind === 'applied') return outcome.result;
    throw outcome?.kind === 'error' ? outcome.error : new Error(`Applying facts to order ${orderId} gave no result.`);
  };
}
