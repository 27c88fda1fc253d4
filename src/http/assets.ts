import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ASSET_TYPES: Record<string, string> = { css: 'text/css; charset=utf-8', js: 'text/javascript; charset=utf-8' };

/** web/assets from the source tree (tsx) or from dist/ (built); read once, served from memory. */
export function loadAssets(): Map<string, { type: string; body: string }> {
  const candidates = ['../../web/assets/', '../../../web/assets/'].map((relative) => fileURLToPath(new URL(relative, import.meta.url)));
  const dir = candidates.find((candidate) => existsSync(`${candidate}settled.css`));
  if (!dir) throw new Error(`settled's web assets are missing (looked in ${candidates.join(', ')})`);
  const assets = new Map<string, { type: string; body: string }>();
  for (const name of ['settled.css', 'success.js']) {
    const extension = name.slice(name.lastIndexOf('.') + 1);
    assets.set(name, { type: ASSET_TYPES[extension] ?? 'application/octet-stream', body: readFileSync(`${dir}${name}`, 'utf8') });
  }
  return assets;
}
