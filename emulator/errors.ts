// Errors shaped as Stripe returns them; the server maps them to HTTP in one place.
export type StripeErrorType = 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';

export interface StripeErrorFields {
  type: StripeErrorType;
  message: string;
  code?: string;
  decline_code?: string;
  param?: string;
  payment_intent?: unknown;
  charge?: string;
  payment_method?: unknown;
}

export class StripeApiError extends Error {
  readonly status: number;
  readonly fields: StripeErrorFields;

  constructor(status: number, fields: StripeErrorFields) {
    super(fields.message);
    this.status = status;
    this.fields = fields;
  }

  body(): { error: StripeErrorFields & { doc_url?: string } } {
    const doc_url = this.fields.code ? `https://stripe.com/docs/error-codes/${this.fields.code.replace(/_/g, '-')}` : undefined;
    return { error: { ...this.fields, ...(doc_url ? { doc_url } : {}) } };
  }
}

export function invalidRequest(message: string, param?: string, code?: string): StripeApiError {
  return new StripeApiError(400, { type: 'invalid_request_error', message, ...(param ? { param } : {}), ...(code ? { code } : {}) });
}

export function missingParam(param: string): StripeApiError {
  return invalidRequest(`Missing required param: ${param}.`, param, 'parameter_missing');
}

export function unknownParam(param: string): StripeApiError {
  return invalidRequest(`Received unknown parameter: ${param}`, param, 'parameter_unknown');
}

export function invalidParam(param: string, message: string): StripeApiError {
  return invalidRequest(message, param);
}

export function resourceMissing(objectName: string, id: string, param = 'id'): StripeApiError {
  return new StripeApiError(404, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    message: `No such ${objectName}: '${id}'`,
    param,
  });
}

export function unexpectedState(message: string): StripeApiError {
  return invalidRequest(message, undefined, 'payment_intent_unexpected_state');
}

export function authenticationError(message: string): StripeApiError {
  return new StripeApiError(401, { type: 'invalid_request_error', message });
}
