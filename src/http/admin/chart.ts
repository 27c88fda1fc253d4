import { escapeHtml } from '../html.js';

export interface ChartBucket {
  /** Unix milliseconds at the bucket's start. */
  readonly startsAt: number;
  readonly payments: number;
  readonly failures: number;
}

const HEIGHT = 220;
const PAD = { top: 12, right: 12, bottom: 28, left: 36 };
const PAYMENT_COLOUR = '#1a7f37';
const FAILURE_COLOUR = '#cf222e';

/** Payments and failures per bucket as paired bars, in inline SVG: no script, no CDN, readable as a table too. */
/** `widthUnits` is the drawing's width: a narrow drawing keeps its labels readable when a phone shrinks it. */
export function paymentsChart(buckets: readonly ChartBucket[], label: (startsAt: number) => string, widthUnits = 720): string {
  const WIDTH = widthUnits;
  const max = Math.max(1, ...buckets.map((bucket) => Math.max(bucket.payments, bucket.failures)));
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotWidth / Math.max(1, buckets.length);
  const bar = Math.max(1, Math.min(14, slot / 2 - 1));
  const y = (value: number): number => PAD.top + plotHeight - (value / max) * plotHeight;
  const ticks = [0, Math.ceil(max / 2), max].filter((value, index, all) => all.indexOf(value) === index);
  const grid = ticks
    .map((value) => `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(value)}" y2="${y(value)}" stroke="#d0d7de"/><text x="${PAD.left - 6}" y="${y(value) + 4}" text-anchor="end" font-size="11" fill="#57606a">${value}</text>`)
    .join('');
  const labelEvery = Math.ceil(buckets.length / 8);
  const bars = buckets
    .map((bucket, index) => {
      const x = PAD.left + index * slot + slot / 2;
      const tick = index % labelEvery === 0 ? `<text x="${x}" y="${HEIGHT - 8}" text-anchor="middle" font-size="11" fill="#57606a">${escapeHtml(label(bucket.startsAt))}</text>` : '';
      return `<g><title>${escapeHtml(label(bucket.startsAt))}: ${bucket.payments} paid, ${bucket.failures} failed</title>
<rect x="${x - bar - 1}" y="${y(bucket.payments)}" width="${bar}" height="${y(0) - y(bucket.payments)}" fill="${PAYMENT_COLOUR}"/>
<rect x="${x + 1}" y="${y(bucket.failures)}" width="${bar}" height="${y(0) - y(bucket.failures)}" fill="${FAILURE_COLOUR}"/>${tick}</g>`;
    })
    .join('\n');
  const total = buckets.reduce((sum, bucket) => ({ payments: sum.payments + bucket.payments, failures: sum.failures + bucket.failures }), { payments: 0, failures: 0 });
  return `<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" xmlns="http://www.w3.org/2000/svg">
<title>Payments and failures per hour: ${total.payments} paid, ${total.failures} failed</title>
${grid}
${bars}
</svg>
<p class="legend"><span><span class="swatch payments"></span>Payments</span><span><span class="swatch failures"></span>Failures</span></p>`;
}

/** Counts into `count` buckets of `bucketMs` ending at `now`; times outside the window are dropped. */
export function bucketize(input: { payments: readonly number[]; failures: readonly number[]; now: number; bucketMs: number; count: number }): ChartBucket[] {
  const first = Math.floor(input.now / input.bucketMs) * input.bucketMs - (input.count - 1) * input.bucketMs;
  const buckets = Array.from({ length: input.count }, (_, index) => ({ startsAt: first + index * input.bucketMs, payments: 0, failures: 0 }));
  const place = (at: number, field: 'payments' | 'failures'): void => {
    const index = Math.floor((at - first) / input.bucketMs);
    const bucket = buckets[index];
    if (bucket) bucket[field] += 1;
  };
  for (const at of input.payments) place(at, 'payments');
  for (const at of input.failures) place(at, 'failures');
  return buckets;
}
