import { createHash, randomBytes } from 'node:crypto';

/** 160 random bits as lowercase base32 (Lucia's recommendation): safe in cookies and URLs. */
export function generateToken(): string {
  const bytes = randomBytes(20);
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

/** Only this hash is stored: a leaked database does not hand out live sessions or links. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
