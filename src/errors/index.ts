export { OrderConflictError, OrderNotFoundError, SchemaTooNewError, StoreUnavailableError, StripeUnavailableError } from './named.js';
export { failureKind, loggableError, type FailureKind } from './failure.js';
