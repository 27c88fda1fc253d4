import { DEFAULTS } from '../defaults.js';
import { notificationBody, type StatusNoticePayload } from '../domain/order-notices.js';
import { v1Signature } from '../stripe/webhook-signature.js';
import type { Store } from '../store/types.js';
import type { OutboxNotice } from '../worker/outbox-dispatcher.js';

/**
 * `t=<unix s>,v1=<hex>` with one v1 per secret: during a rotation the shop verifies with either its old or its new
 * secret, exactly as it verifies Stripe's own webhooks.
 */
export function notificationSignatureHeader(body: string, secrets: readonly string[], timestampSeconds: number): string {
  return [`t=${timestampSeconds}`, ...secrets.map((secret) => `v1=${v1Signature(secret, timestampSeconds, body).toString('hex')}`)].join(',');
}

export interface ShopNotifierOptions {
  /** SETTLED_NOTIFY_URL. */
  readonly url: string;
  /** SETTLED_NOTIFY_SECRET, several during rotation. */
  readonly secrets: readonly string[];
  readonly timeoutMs?: number;
  readonly store: Pick<Store, 'notifications'>;
  readonly now: () => number;
}

/** Why a POST did not deliver, in words that hold neither the secrets nor the body. */
function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `the notify URL did not answer within ${timeoutMs} ms`;
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === 'string' ? ` (${cause.code})` : '';
  return `could not reach the notify URL${code}`;
}

/**
 * The outbox handler for status notices: one signed POST per attempt, bounded in time, each attempt recorded. A 2xx
 * delivers; anything else throws, and the outbox retries on the notification schedule with the same body and id.
 */
export function createShopNotifier(options: ShopNotifierOptions): (notice: OutboxNotice) => Promise<void> {
  const timeoutMs = options.timeoutMs ?? DEFAULTS.notify.timeoutMs;
  return async (notice) => {
    const body = JSON.stringify(notificationBody(notice.messageId, notice.payload as StatusNoticePayload));
    const started = options.now();
    let status: number | null = null;
    let failure: string | null = null;
    try {
      const response = await fetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'settled-notify/1',
          'settled-signature': notificationSignatureHeader(body, options.secrets, Math.floor(started / 1000)),
        },
        body,
        // A redirect would re-send the signed body somewhere not configured.
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = response.status;
      await response.body?.cancel().catch(() => undefined);
      if (status < 200 || status > 299) {
        failure = status >= 300 && status < 400 ? `the notify URL answered ${status}; redirects are not followed: set SETTLED_NOTIFY_URL to the final address` : `the notify URL answered ${status}`;
      }
    } catch (error) {
      failure = describeFailure(error, timeoutMs);
    }
    await options.store.notifications.record({
      outboxId: notice.messageId,
      attemptedAt: started,
      durationMs: Math.max(0, options.now() - started),
      outcome: failure === null ? 'delivered' : 'failed',
      httpStatus: status,
      error: failure,
    });
    if (failure !== null) throw new Error(failure);
  };
}
