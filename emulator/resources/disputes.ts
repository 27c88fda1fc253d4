import type { FastifyInstance } from 'fastify';
import type Stripe from 'stripe';
import { invalidRequest, resourceMissing } from '../errors.js';
import { mergeMetadata, optionalBoolean, optionalObject, optionalString, rejectUnknown } from '../form.js';
import { causeOf, idOf, paramsOf, retrieveParamsOf } from '../http.js';
import { createdFilter, LIST_SHAPE, paginate } from '../list.js';
import { AUTOMATIC, type Cause, type World } from '../world.js';

const EVIDENCE_FIELDS = [
  'access_activity_log', 'billing_address', 'cancellation_policy', 'cancellation_policy_disclosure', 'cancellation_rebuttal',
  'customer_communication', 'customer_email_address', 'customer_name', 'customer_purchase_ip', 'customer_signature',
  'duplicate_charge_documentation', 'duplicate_charge_explanation', 'duplicate_charge_id', 'product_description', 'receipt',
  'refund_policy', 'refund_policy_disclosure', 'refund_refusal_explanation', 'service_date', 'service_documentation',
  'shipping_address', 'shipping_carrier', 'shipping_date', 'shipping_documentation', 'shipping_tracking_number',
  'uncategorized_file', 'uncategorized_text',
] as const;

const CLOSED: Stripe.Dispute.Status[] = ['won', 'lost', 'warning_closed'];

export function findDispute(world: World, id: string): Stripe.Dispute {
  const dispute = world.state.disputes.get(id);
  if (!dispute) throw resourceMissing('dispute', id, 'dispute');
  return dispute;
}

/** Closes a dispute won or lost (an inquiry closes as warning_closed when won), with Stripe's events. */
export function resolveDispute(world: World, dispute: Stripe.Dispute, outcome: 'won' | 'lost', cause: Cause): Stripe.Dispute {
  if (CLOSED.includes(dispute.status)) throw invalidRequest(`This dispute is already closed (status ${dispute.status}).`, 'dispute');
  const previous = { status: dispute.status };
  const inquiry = dispute.status.startsWith('warning_');
  dispute.status = inquiry && outcome === 'won' ? 'warning_closed' : outcome;
  dispute.is_charge_refundable = false;
  world.emit('charge.dispute.closed', dispute, cause, previous);
  return dispute;
}

export function registerDisputes(app: FastifyInstance, world: World): void {
  app.get('/v1/disputes/:id', async (request) => world.expand(findDispute(world, idOf(request)), retrieveParamsOf(request)));

  app.get('/v1/disputes', async (request) => {
    const params = paramsOf(request);
    rejectUnknown(params, { ...LIST_SHAPE, charge: true, payment_intent: true });
    const charge = optionalString(params, 'charge');
    const intent = optionalString(params, 'payment_intent');
    const created = createdFilter(params);
    const rows = world.state.disputes.newestFirst().filter((d) => (!charge || d.charge === charge) && (!intent || d.payment_intent === intent) && created(d.created));
    return world.expand(paginate(rows, params, '/v1/disputes'), params);
  });

  app.post('/v1/disputes/:id', async (request) => {
    const params = paramsOf(request);
    rejectUnknown(params, { evidence: Object.fromEntries(EVIDENCE_FIELDS.map((field) => [field, true])), metadata: 'any', submit: true });
    const dispute = findDispute(world, idOf(request));
    if (CLOSED.includes(dispute.status)) throw invalidRequest('This dispute is already closed and cannot be updated.', 'dispute');
    const previous: Record<string, unknown> = { evidence: structuredClone(dispute.evidence), status: dispute.status };
    const evidence = optionalObject(params, 'evidence') ?? {};
    const target = dispute.evidence as unknown as Record<string, string | null>;
    for (const [field, value] of Object.entries(evidence)) {
      if (typeof value === 'string') target[field] = value === '' ? null : value;
    }
    dispute.metadata = mergeMetadata(dispute.metadata, params);
    dispute.evidence_details.has_evidence = EVIDENCE_FIELDS.some((field) => target[field]);
    const submit = optionalBoolean(params, 'submit') ?? true;
    const cause = causeOf(request);
    if (submit) {
      dispute.evidence_details.submission_count += 1;
      dispute.evidence_details.submission_method = 'manual';
      dispute.status = dispute.status.startsWith('warning_') ? 'warning_under_review' : 'under_review';
    }
    world.emit('charge.dispute.updated', dispute, cause, previous);
    // Stripe's test evidence: these words decide the outcome as soon as the evidence is submitted.
    const text = target['uncategorized_text'] ?? '';
    if (submit && text.includes('winning_evidence')) resolveDispute(world, dispute, 'won', AUTOMATIC);
    else if (submit && text.includes('losing_evidence')) resolveDispute(world, dispute, 'lost', AUTOMATIC);
    return world.expand(dispute, params);
  });

  app.post('/v1/disputes/:id/close', async (request) => {
    const params = paramsOf(request);
    rejectUnknown(params, {});
    const dispute = findDispute(world, idOf(request));
    // Closing means accepting the dispute: the merchant loses it.
    return world.expand(resolveDispute(world, dispute, 'lost', causeOf(request)), params);
  });
}
