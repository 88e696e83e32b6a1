import type { Config } from '../config/types.js';

/**
 * Fastify's `trustProxy` from the config. Never `true`: that believes every X-Forwarded-For
 * entry, so a client picks its own address and walks around every per-address limit (logins,
 * the 1C exchange). A list believes the header only as far as the listed proxies wrote it (the
 * rightmost address they did not write is the client); a number believes that many hops.
 */
export function trustProxySetting(server: Config['server']): false | string[] | ((address: string, hop: number) => boolean) {
  if (!server.trustProxy) return false;
  const hops = server.proxyHops;
  // Hop 0 is the connection itself, 1 the address the nearest proxy wrote, and so on.
  if (hops > 0) return (_address, hop) => hop < hops;
  return [...server.trustedProxies];
}
