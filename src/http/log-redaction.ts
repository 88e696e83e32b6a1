/**
 * What a request looks like in the log: its URL with the secrets it may carry replaced by ***
 * (the token of a password or invitation link is as good as the password until it is used; a
 * 1C exchange `sessid` is a live session).
 */
const SECRET_PATH_PREFIXES = ['/reset-password/', '/invite/'];
const SECRET_QUERY_NAMES = new Set(['sessid', 'token', 'key', 'password']);

export function redactedUrl(url: string): string {
  const question = url.indexOf('?');
  let path = question < 0 ? url : url.slice(0, question);
  const query = question < 0 ? '' : url.slice(question + 1);
  for (const prefix of SECRET_PATH_PREFIXES) {
    if (path.startsWith(prefix) && path.length > prefix.length) path = `${prefix}***`;
  }
  if (question < 0) return path;
  const params = query.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const name = (eq < 0 ? pair : pair.slice(0, eq)).toLowerCase();
    return eq >= 0 && SECRET_QUERY_NAMES.has(name) ? `${pair.slice(0, eq)}=***` : pair;
  });
  return `${path}?${params.join('&')}`;
}

interface LoggedRequest {
  method: string;
  url: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/** pino serializer for `req`, as Fastify's own but with the URL redacted. */
export function requestForLog(req: LoggedRequest) {
  return {
    method: req.method,
    url: redactedUrl(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}
