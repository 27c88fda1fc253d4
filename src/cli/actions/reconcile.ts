import { DEFAULTS } from '../../defaults.js';
import { reconcileNow, reconcileSettings } from '../../operations/reconcile-now.js';
import type { ReconcilePhase, ReconcileReport } from '../../reconcile/index.js';
import { OTHER_WORKER_WAIT_MS, withOperatorContext } from './operator.js';

const PHASE_LABELS: Record<ReconcilePhase, string> = { events: 'events API', sweep: 'stale orders', processing: 'processing', drift: 'drift check' };

/** One line redrawn in place on a terminal; nothing at all when stderr is a file or a pipe. */
function progressLine(stream: NodeJS.WriteStream): { update(phase: ReconcilePhase, done: number, total: number): void; end(): void } {
  let drawn = false;
  return {
    update(phase, done, total) {
      if (!stream.isTTY) return;
      const fraction = total > 0 ? Math.min(1, done / total) : 1;
      const width = 30;
      const filled = Math.round(fraction * width);
      const count = phase === 'events' ? `${Math.round(fraction * 100)}% of the window` : `${done}/${total}`;
      stream.write(`\r${PHASE_LABELS[phase].padEnd(13)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${count}\u001b[K`);
      drawn = true;
    },
    end() {
      if (drawn) stream.write('\r\u001b[K');
    },
  };
}

function printReport(report: ReconcileReport, staleMinutes: number): void {
  console.log(`summary: events seen ${report.eventsSeen}, missing ${report.missing}, applied ${report.applied}, orders healed ${report.ordersHealed.length}`);
  if (staleMinutes > 0) console.log(`sweep: ${report.ordersSwept} order(s) pending longer than ${staleMinutes} min looked up at Stripe`);
  if (report.ordersHealed.length > 0) console.log(`healed: ${report.ordersHealed.join(', ')}`);
  if (report.stillProcessing > 0) console.log(`still processing: ${report.stillProcessing} event(s); run \`settled dead-letters\` if they do not finish`);
  for (const orderId of report.unreachable) console.log(`no Stripe object: ${orderId} never reached Stripe; nothing to reconcile it with`);
  if (report.drift.length === 0) {
    console.log('drift: none — every order checked agrees with Stripe');
    return;
  }
  console.log(`drift: ${report.drift.length} order(s) differ from Stripe`);
  for (const drift of report.drift) {
    console.log(`  ${drift.orderId}  here: ${drift.here.status} (refunded ${drift.here.amountRefunded})  stripe: ${drift.stripe.status} (refunded ${drift.stripe.amountRefunded}; ${drift.stripe.detail})`);
  }
}

export interface ReconcileCommandOptions {
  readonly lookbackHours?: number;
  readonly staleMinutes?: number;
  readonly json?: boolean;
}

export async function runReconcile(options: ReconcileCommandOptions): Promise<void> {
  await withOperatorContext({ stripe: 'required', command: 'reconcile' }, async ({ config, store, gateway, processing }) => {
    if (gateway === undefined || processing === undefined) return;
    const staleAfterMs = options.staleMinutes === undefined ? config.reconcile.staleAfterMs : options.staleMinutes * 60_000;
    const progress = progressLine(process.stderr);
    const report = await reconcileNow(
      {
        store,
        // Many calls, each with the background budget: a whole run has no single deadline.
        gateway: gateway.withBudget(config.stripe.backgroundBudgetMs),
        now: Date.now,
        processFound: async () => void (await processing.worker.drain()),
        waitMs: OTHER_WORKER_WAIT_MS,
        onProgress: (phase, done, total) => progress.update(phase, done, total),
      },
      reconcileSettings({
        lookbackSeconds: options.lookbackHours === undefined ? config.reconcile.lookbackSeconds : Math.min(720, options.lookbackHours) * 3600,
        staleAfterMs,
        sweepLimit: DEFAULTS.reconcile.manualSweepLimit,
        deliveryLogRetentionMs: config.deliveryLogRetentionDays * 86_400_000,
      }),
    );
    progress.end();
    if (options.json) console.log(JSON.stringify(report, null, 2));
    else printReport(report, staleAfterMs / 60_000);
  });
}
