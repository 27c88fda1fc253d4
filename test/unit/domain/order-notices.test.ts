import { describe, expect, it } from 'vitest';
import type { EntitlementState, OrderDerived, OrderTerms } from '../../../src/domain/order.js';
import { STATUS_NOTICE_KIND, accessTokenAfter, noticeIdempotencyKey, noticesFor, statusNoticeFor } from '../../../src/domain/order-notices.js';

function derived(entitlement: EntitlementState, status: OrderDerived['status'] = 'paid'): OrderDerived {
  return { status, amountRefunded: 0, paidAt: entitlement === 'none' ? null : 1, reviewReason: null, fulfill: entitlement !== 'none', entitlement };
}

function terms(email: string | null): OrderTerms {
  return {
    id: 'ord_1',
    lines: [{ sku: 'ebook', name: 'The ebook', quantity: 2, unitAmount: 1500, currency: 'usd' }],
    total: { amount: 3000, currency: 'usd' },
    orderRef: 'ref',
    email,
    flow: 'checkout_session',
    checkoutSessionId: 'cs_1',
    paymentIntentId: null,
    createdAt: 1,
  };
}

function kinds(before: OrderDerived, after: OrderDerived, fulfilledNow: boolean, eventId = 'evt_1') {
  return noticesFor({ terms: terms('b@example.com'), paymentIntentId: 'pi_1', before, after, fulfilledNow, eventId, now: 5 }).map((notice) => [notice.kind, notice.dedupeKey]);
}

describe('order notices', () => {
  it('a fulfillment is announced once per order, whatever event did it', () => {
    expect(kinds(derived('none', 'pending'), derived('active'), true, 'evt_a')).toEqual([['order.fulfilled', 'once']]);
    expect(kinds(derived('none', 'pending'), derived('active'), true, 'evt_b')).toEqual([['order.fulfilled', 'once']]);
  });

  it('a payment and its dispute applied together announce the fulfillment and then the revocation', () => {
    expect(kinds(derived('none', 'pending'), derived('revoked', 'disputed'), true, 'evt_d')).toEqual([
      ['order.fulfilled', 'once'],
      ['entitlement.revoked', 'evt_d'],
    ]);
  });

  it('revocation and restoration are announced per event that caused them; no change announces nothing', () => {
    expect(kinds(derived('active'), derived('revoked', 'refunded'), false, 'evt_r')).toEqual([['entitlement.revoked', 'evt_r']]);
    expect(kinds(derived('revoked', 'disputed'), derived('active'), false, 'evt_w')).toEqual([['entitlement.restored', 'evt_w']]);
    expect(kinds(derived('active'), derived('active', 'partially_refunded'), false)).toEqual([]);
    expect(kinds(derived('none', 'pending'), derived('none', 'payment_failed'), false)).toEqual([]);
    expect(kinds(derived('revoked', 'refunded'), derived('revoked', 'refunded'), false)).toEqual([]);
  });

  it('carries the whole order as it is after the change: lines, totals, email, status and payment ids', () => {
    const [notice] = noticesFor({ terms: terms(null), paymentIntentId: 'pi_1', before: derived('active'), after: derived('revoked', 'dispute_lost'), fulfilledNow: false, eventId: 'evt_l', now: 42 });
    expect(notice?.payload).toEqual({
      kind: 'entitlement.revoked',
      orderId: 'ord_1',
      eventId: 'evt_l',
      status: 'dispute_lost',
      entitlement: 'revoked',
      email: null,
      at: 42,
      order: {
        id: 'ord_1',
        status: 'dispute_lost',
        email: null,
        lines: [{ sku: 'ebook', name: 'The ebook', quantity: 2, unitAmount: 1500, currency: 'usd' }],
        amountTotal: 3000,
        currency: 'usd',
        amountRefunded: 0,
        reviewReason: null,
        createdAt: 1,
        paidAt: 1,
        checkoutSessionId: 'cs_1',
        paymentIntentId: 'pi_1',
      },
    });
  });

  it('the handler\'s key is the order id for a fulfillment and the notice\'s own id otherwise', () => {
    expect(noticeIdempotencyKey({ orderId: 'ord_1', kind: 'order.fulfilled', id: 7 })).toBe('ord_1');
    expect(noticeIdempotencyKey({ orderId: 'ord_1', kind: 'entitlement.revoked', id: 7 })).toBe('ord_1:entitlement.revoked:7');
  });

  it('the access token is made at fulfillment and never replaced', () => {
    expect(accessTokenAfter(null, { fulfill: false }, 'fresh')).toBeNull();
    expect(accessTokenAfter(null, { fulfill: true }, 'fresh')).toBe('fresh');
    expect(accessTokenAfter('kept', { fulfill: true }, 'fresh')).toBe('kept');
  });
});

describe('status notices', () => {
  const terms = {
    id: 'ord_1',
    lines: [{ sku: 'tee', name: 'Tee', quantity: 2, unitAmount: 1500, currency: 'usd', metadata: { shopLine: '7' } }],
    total: { amount: 3000, currency: 'usd' },
    orderRef: 'ref',
    email: 'b@example.com',
    flow: 'checkout_session' as const,
    checkoutSessionId: 'cs_1',
    paymentIntentId: null,
    createdAt: 1,
  };
  const notice = (before: OrderDerived, after: OrderDerived, eventId = 'evt_1') =>
    statusNoticeFor({ terms, paymentIntentId: null, before, after, fulfilledNow: false, eventId, now: 9 });

  it('a change of status is one notice typed by the new status, keyed by the event and that status', () => {
    const paid = notice(derived('none', 'pending'), derived('active', 'paid'), 'evt_p');
    expect(paid).toMatchObject({ kind: STATUS_NOTICE_KIND, dedupeKey: 'evt_p:paid', payload: { type: 'order.paid', previousStatus: 'pending', eventId: 'evt_p', at: 9 } });
    expect(notice(derived('active'), derived('active', 'partially_refunded'))?.payload.type).toBe('order.partially_refunded');
    expect(notice(derived('revoked', 'disputed'), derived('revoked', 'dispute_lost'))?.payload.type).toBe('order.dispute_lost');
    expect(notice(derived('none', 'pending'), derived('none', 'needs_review'))?.payload.type).toBe('order.needs_review');
  });

  it('an event that leaves the status as it was is not announced', () => {
    expect(notice(derived('active'), derived('active'))).toBeUndefined();
    expect(notice(derived('none', 'pending'), derived('none', 'pending'))).toBeUndefined();
  });

  it('carries the whole order after the change: lines with their metadata, totals, email and Stripe ids', () => {
    const after = { ...derived('active', 'partially_refunded'), amountRefunded: 500 };
    expect(notice(derived('active'), after)?.payload.order).toEqual({
      id: 'ord_1',
      status: 'partially_refunded',
      email: 'b@example.com',
      lines: terms.lines,
      amountTotal: 3000,
      currency: 'usd',
      amountRefunded: 500,
      reviewReason: null,
      createdAt: 1,
      paidAt: 1,
      checkoutSessionId: 'cs_1',
      paymentIntentId: null,
    });
  });
});
