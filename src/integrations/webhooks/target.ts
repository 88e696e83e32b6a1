/**
 * Where webhooks may go. A buyer types the URL, and the portal then makes requests to it from
 * inside the seller's network: without care that is a way to probe or call the seller's own
 * systems (SSRF). So: http(s) only, no credentials in the URL, and no private, loopback,
 * link-local or otherwise special address — checked for the address the name resolves to when
 * the request is made (api.webhooks.allow_private lifts the address rule for receivers in the
 * seller's own LAN).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 127],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

/** Private, loopback, link-local, multicast, documentation and translation ranges (IPv4-mapped IPv6 included). */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) return blocked.check(address, 'ipv6');
  return true;
}

export type TargetProblem = 'invalid_url' | 'scheme' | 'credentials' | 'private_address' | 'unresolvable';

export type TargetCheck = { ok: true; url: URL } | { ok: false; problem: TargetProblem };

/** The URL's own rules, without looking anything up. */
export function checkWebhookUrl(raw: string, allowPrivate: boolean): TargetCheck {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { ok: false, problem: 'invalid_url' };
  }
  if (raw.trim().length > 2000) return { ok: false, problem: 'invalid_url' };
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, problem: 'scheme' };
  if (url.username || url.password) return { ok: false, problem: 'credentials' };
  const host = hostOf(url);
  if (host === '') return { ok: false, problem: 'invalid_url' };
  if (!allowPrivate && (isIP(host) ? isPrivateAddress(host) : /^localhost\.?$|\.localhost\.?$/i.test(host))) {
    return { ok: false, problem: 'private_address' };
  }
  return { ok: true, url };
}

/** The host without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** Looks the URL's host up now: on registration, so a buyer hears at once that a URL cannot work. */
export async function checkWebhookTarget(raw: string, allowPrivate: boolean): Promise<TargetCheck> {
  const syntax = checkWebhookUrl(raw, allowPrivate);
  if (!syntax.ok) return syntax;
  const host = hostOf(syntax.url);
  if (isIP(host)) return syntax;
  const addresses = await new Promise<LookupAddress[] | null>((done) =>
    dnsLookup(host, { all: true }, (error, found) => done(error ? null : found)),
  );
  if (!addresses || addresses.length === 0) return { ok: false, problem: 'unresolvable' };
  if (!allowPrivate && addresses.some((a) => isPrivateAddress(a.address))) return { ok: false, problem: 'private_address' };
  return syntax;
}

export class BlockedAddressError extends Error {
  readonly code = 'EBLOCKEDADDRESS';
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A dns.lookup for http.request: the check happens on the address the connection will use, so a
 * name that resolves to a public address at registration and to 127.0.0.1 later (DNS rebinding)
 * is still refused.
 */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: { all?: boolean; family?: number | string }, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true } as { all: true }, (error, addresses) => {
      if (error) return callback(error, '');
      const usable = allowPrivate ? addresses : addresses.filter((a) => !isPrivateAddress(a.address));
      if (usable.length === 0) return callback(new BlockedAddressError(`${hostname} resolves to a private address`), '');
      if (options.all) return callback(null, usable);
      const first = usable[0] as LookupAddress;
      return callback(null, first.address, first.family);
    });
  };
}
