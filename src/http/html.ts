const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch] ?? ch);
}

export interface PageOptions {
  /** Reload after this many seconds when scripts are off (inside <noscript>). */
  readonly noscriptRefreshSeconds?: number;
  /** Reload after this many seconds, scripts or not (a page waiting for something the server will know). */
  readonly refreshSeconds?: number;
  /** Script files under /assets/, never inline, so a strict CSP can forbid inline script. */
  readonly scripts?: readonly string[];
  /** The site header: the shop's by default, the dashboard passes its own navigation. */
  readonly header?: string;
  readonly narrow?: boolean;
  /**
   * Where the page's assets are: '/assets/' (settled's app at the root), or relative, as the access page is, so that
   * under an adapter mounted at /shop its stylesheet is /shop/assets/settled.css.
   */
  readonly assetBase?: string;
}

const SHOP_HEADER = `<header class="site"><div class="bar"><a class="brand" href="/">settled shop</a></div></header>`;

/** A whole page: only same-origin assets, so it works offline and under a strict CSP. */
export function page(title: string, body: string, options: PageOptions = {}): string {
  const refresh = options.refreshSeconds
    ? `<meta http-equiv="refresh" content="${options.refreshSeconds}">\n`
    : options.noscriptRefreshSeconds
      ? `<noscript><meta http-equiv="refresh" content="${options.noscriptRefreshSeconds}"></noscript>\n`
      : '';
  const assetBase = options.assetBase ?? '/assets/';
  const scripts = (options.scripts ?? []).map((name) => `<script src="${escapeHtml(assetBase + name)}" defer></script>\n`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${refresh}<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${escapeHtml(assetBase)}settled.css">
${scripts}</head>
<body>
<a class="skip" href="#main">Skip to content</a>
${options.header ?? SHOP_HEADER}
<main id="main"${options.narrow ? ' class="narrow"' : ''}>
${body}
</main>
</body>
</html>`;
}

export type Tone = 'ok' | 'warn' | 'bad' | 'neutral';

const STATUS_TONES: Record<string, Tone> = {
  paid: 'ok',
  partially_refunded: 'warn',
  refunded: 'neutral',
  pending: 'neutral',
  payment_failed: 'bad',
  expired: 'neutral',
  disputed: 'bad',
  dispute_lost: 'bad',
  needs_review: 'warn',
};

/** "partially_refunded" → "partially refunded", in a coloured pill; the words carry the meaning, not the colour. */
export function statusPill(status: string): string {
  return `<span class="status ${STATUS_TONES[status] ?? 'neutral'}">${escapeHtml(status.replace(/_/g, ' '))}</span>`;
}
