import { StripeApiError } from './errors.js';

// Injected API failures, so a client's handling of Stripe's 409/429/5xx answers can be tested on demand.

export const FAULT_STATUSES = [409, 429, 500, 503] as const;
export type FaultStatus = (typeof FAULT_STATUSES)[number];

interface Fault {
  status: FaultStatus;
  remaining: number;
  pathPrefix: string;
}

export class Faults {
  private queue: Fault[] = [];

  /** The next `count` API requests whose path starts with `pathPrefix` fail with `status`. */
  add(status: FaultStatus, count: number, pathPrefix = '/v1/'): void {
    this.queue.push({ status, remaining: Math.max(1, Math.floor(count)), pathPrefix });
  }

  clear(): void {
    this.queue = [];
  }

  pending(): number {
    return this.queue.reduce((sum, fault) => sum + fault.remaining, 0);
  }

  /** Throws the injected error for this request, if one is due. */
  apply(path: string): void {
    const fault = this.queue.find((candidate) => path.startsWith(candidate.pathPrefix));
    if (!fault) return;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.queue = this.queue.filter((candidate) => candidate !== fault);
    throw faultError(fault.status);
  }
}

function faultError(status: FaultStatus): StripeApiError {
  switch (status) {
    case 409:
      return new StripeApiError(409, {
        type: 'invalid_request_error',
        code: 'lock_timeout',
        message: 'This object cannot be accessed right now because another API request or Stripe process is currently accessing it. If you see this error intermittently, retry the request.',
      });
    case 429:
      return new StripeApiError(429, {
        type: 'invalid_request_error',
        code: 'rate_limit',
        message: 'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.',
      });
    default:
      return new StripeApiError(status, { type: 'api_error', message: 'An unknown error occurred (injected by the emulator).' });
  }
}
