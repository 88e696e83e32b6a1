import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * The same security headers on every response, computed once. (@fastify/helmet rebuilt them
 * per request through a middleware chain: 5 % of a catalog page's CPU time.) A route may still
 * override one, as the public photo route does for Cross-Origin-Resource-Policy.
 */
export function securityHeaders(opts: { upgradeInsecureRequests: boolean }): Record<string, string> {
  const csp = [
    "default-src 'self'",
    "base-uri 'self'",
    "font-src 'self' data:",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "img-src 'self' data:",
    "object-src 'none'",
    "script-src 'self'",
    "script-src-attr 'none'",
    "style-src 'self'",
    ...(opts.upgradeInsecureRequests ? ['upgrade-insecure-requests'] : []),
  ].join(';');
  return {
    'content-security-policy': csp,
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'origin-agent-cluster': '?1',
    // Not no-referrer: with it browsers send `Origin: null` on form posts and the same-origin
    // check could not tell our own forms from a forged one. same-origin still keeps link
    // tokens (password reset, invitations) from leaking to other sites.
    'referrer-policy': 'same-origin',
    'x-content-type-options': 'nosniff',
    'x-dns-prefetch-control': 'off',
    'x-download-options': 'noopen',
    'x-frame-options': 'DENY',
    'x-permitted-cross-domain-policies': 'none',
    'x-xss-protection': '0',
    // HSTS is left to the reverse proxy: the portal may be reached over plain HTTP in a LAN.
  };
}

export const securityHeadersPlugin = fp(
  async (app: FastifyInstance, opts: { upgradeInsecureRequests: boolean }) => {
    const headers = securityHeaders(opts);
    app.addHook('onRequest', async (_request, reply) => {
      reply.headers(headers);
    });
  },
  { name: 'security-headers' },
);
