import { findCatalogItem, servesResources, type Catalog, type CatalogResource } from '../domain/catalog.js';
import type { OrderRecord, Store } from '../store/types.js';

/**
 * Where a buyer opens what they bought, built by the shop: return its own page's URL for the order (undefined
 * for none). Called only for orders whose entitlement is active.
 */
export type AccessUrlBuilder = (order: OrderRecord) => string | undefined;

export interface AccessDeps {
  readonly store: Pick<Store, 'orders'>;
  /** The static catalog, whose items' resources /access/:token serves; undefined for other price sources. */
  readonly listing: Catalog | undefined;
  readonly publicUrl: () => string;
  /** The shop's own access link; without it, settled's page when the catalog has resources, else none. */
  readonly accessUrl?: AccessUrlBuilder | undefined;
}

const TOKEN = /^[A-Za-z0-9_-]{16,64}$/;
const ENTITLED = new Set(['paid', 'partially_refunded']);

/** Whether settled's own /access/:token page is where buyers go (it serves the catalog's resources). */
export function servesAccessPage(deps: AccessDeps): boolean {
  return deps.accessUrl === undefined && deps.listing !== undefined && servesResources(deps.listing);
}

/** The buyer's access link for an order that has one and may use it now; undefined otherwise. */
export function accessUrlOf(deps: AccessDeps, order: OrderRecord): string | undefined {
  if (order.accessToken === null || !ENTITLED.has(order.status)) return undefined;
  if (deps.accessUrl) return deps.accessUrl(order);
  return servesAccessPage(deps) ? `${deps.publicUrl().replace(/\/+$/, '')}/access/${encodeURIComponent(order.accessToken)}` : undefined;
}

export type AccessOutcome =
  | { readonly kind: 'not_found' }
  | { readonly kind: 'refused'; readonly order: OrderRecord }
  | { readonly kind: 'granted'; readonly order: OrderRecord; readonly items: readonly { readonly name: string; readonly resource: CatalogResource | undefined }[] };

/** What /access/:token shows, wherever it is served (settled's app or a framework adapter). */
export async function openAccess(deps: AccessDeps, token: string): Promise<AccessOutcome> {
  const order = TOKEN.test(token) ? await deps.store.orders.findByAccessToken(token) : undefined;
  if (!order) return { kind: 'not_found' };
  if (order.entitlement !== 'active') return { kind: 'refused', order };
  const items = order.lines.map((line) => ({ name: line.name, resource: deps.listing ? findCatalogItem(deps.listing, line.sku)?.resource : undefined }));
  return { kind: 'granted', order, items };
}
