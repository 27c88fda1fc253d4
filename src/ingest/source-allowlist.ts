import { BlockList, isIP } from 'node:net';

export class AllowListError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AllowListError';
  }
}

/** Accepts addresses and CIDR blocks, IPv4 and IPv6; throws AllowListError naming the entry it cannot read. */
export function createSourceAllowList(entries: readonly string[]): (address: string | null) => boolean {
  const list = new BlockList();
  for (const raw of entries) {
    const entry = raw.trim();
    const [address, prefix, extra] = entry.split('/');
    const family = address === undefined ? 0 : isIP(address);
    if (family === 0 || extra !== undefined) throw new AllowListError(`"${entry}" is not an IP address or CIDR block`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) {
      list.addAddress(address!, type);
      continue;
    }
    const bits = Number(prefix);
    if (!/^\d{1,3}$/.test(prefix) || bits > (family === 4 ? 32 : 128)) throw new AllowListError(`"${entry}" has an invalid prefix length`);
    list.addSubnet(address!, bits, type);
  }
  return (source) => {
    if (source === null) return false;
    // An IPv4 client on a dual-stack socket appears as ::ffff:a.b.c.d.
    const address = source.startsWith('::ffff:') && isIP(source.slice(7)) === 4 ? source.slice(7) : source;
    const family = isIP(address);
    if (family === 0) return false;
    return list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  };
}

/** Stripe's published list in the shape Stripe serves it: `{ "WEBHOOKS": ["3.18.12.63", …] }`. */
export function parseStripeIpsFile(json: unknown): string[] {
  const list = (json as { WEBHOOKS?: unknown } | null)?.WEBHOOKS;
  if (!Array.isArray(list) || list.length === 0 || !list.every((ip) => typeof ip === 'string' && isIP(ip) !== 0)) {
    throw new AllowListError('the file must be Stripe\'s ips_webhooks.json: an object whose "WEBHOOKS" lists IP addresses');
  }
  return list as string[];
}
