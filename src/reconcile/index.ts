export { reconcile, waitForWorker } from './reconciler.js';
export type { ReconcileDeps, ReconcilePhase, ReconcileReport, ReconcileSettings } from './reconciler.js';
export { EVENTS_CURSOR_KEY } from './events-backfill.js';
export type { Drift, StripeView } from './stripe-view.js';
