/**
 * API-key authentication. The key decides the tenant, and the tenant partitions everything a client can see:
 * cached answers, conversations, usage. With no keys configured the gateway runs in open single-tenant mode.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKeyEntry } from '../config';
import { AppError } from '../errors';

export const OPEN_MODE_TENANT = 'default';
/** Longer credentials are rejected before any hashing: bounded work per request. */
const MAX_KEY_LENGTH = 256;

export interface Principal {
  tenant: string;
  /** An operator (GATEWAY_ADMIN_TENANTS): may read figures across tenants, such as the cost analysis. */
  admin: boolean;
  /** A short, stable, non-reversible id of the key for logs, metrics and rate-limit buckets. */
  keyId: string;
}

export interface Authenticator {
  readonly openMode: boolean;
  /** Resolves a credential (the bare key) to its principal; throws AppError('unauthorized') otherwise. */
  authenticate(credential: string | undefined): Principal;
}

const digest = (key: string) => createHash('sha256').update(key).digest();

export function createAuthenticator({ keys, adminTenants = [] }: { keys: readonly ApiKeyEntry[]; adminTenants?: readonly string[] }): Authenticator {
  const openMode = keys.length === 0;
  const admins = new Set(adminTenants);
  // Indexed by the key's digest; the final comparison of digests is constant-time.
  const byDigest = new Map(keys.map((k) => [digest(k.key).toString('hex'), { tenant: k.tenant, hash: digest(k.key) }]));
  // Open mode has one tenant: its caller sees everything there is.
  const openPrincipal: Principal = { tenant: OPEN_MODE_TENANT, keyId: 'open', admin: true };
  return {
    openMode,
    authenticate(credential) {
      if (openMode) return openPrincipal;
      if (!credential) throw new AppError('unauthorized', 'Missing API key. Send it as `Authorization: Bearer <key>`.');
      if (credential.length > MAX_KEY_LENGTH) throw new AppError('unauthorized', 'Invalid API key.');
      const hash = digest(credential);
      const entry = byDigest.get(hash.toString('hex'));
      if (!entry || !timingSafeEqual(entry.hash, hash)) throw new AppError('unauthorized', 'Invalid API key.');
      return { tenant: entry.tenant, keyId: hash.toString('hex').slice(0, 12), admin: admins.has(entry.tenant) };
    },
  };
}

/** Extracts the key from `Authorization: Bearer <key>` (scheme case-insensitive). */
export function bearerToken(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
