import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The key a request carries in `x-api-key` or `Authorization: Bearer <key>`, if any. */
export function presentedApiKey(headers: IncomingHttpHeaders): string | undefined {
  const direct = headers['x-api-key'];
  const value = Array.isArray(direct) ? direct[0] : direct;
  if (value) return value.trim();
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  return match?.[1];
}

/**
 * A checker for one expected key. Both sides are hashed to SHA-256 first, so `timingSafeEqual` always
 * compares 32 bytes: the time taken reveals neither the key's bytes nor its length.
 */
export function createApiKeyCheck(expected: string): (presented: string | undefined) => boolean {
  const expectedDigest = crypto.createHash('sha256').update(expected, 'utf8').digest();
  return (presented) => {
    const digest = crypto
      .createHash('sha256')
      .update(presented ?? '', 'utf8')
      .digest();
    // Compare even when nothing was presented, so both paths cost the same.
    return crypto.timingSafeEqual(digest, expectedDigest) && presented !== undefined;
  };
}
