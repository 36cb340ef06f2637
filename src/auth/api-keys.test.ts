import { describe, expect, test } from 'bun:test';
import { bearerToken, createAuthenticator, OPEN_MODE_TENANT } from './api-keys';

describe('api key authentication', () => {
  const auth = createAuthenticator({ keys: [{ key: 'sk-city-0001', tenant: 'city' }, { key: 'sk-county-02', tenant: 'county' }] });

  test('maps each key to its tenant', () => {
    expect(auth.authenticate('sk-city-0001').tenant).toBe('city');
    expect(auth.authenticate('sk-county-02').tenant).toBe('county');
  });

  test('gives different keys different stable key ids that do not reveal the key', () => {
    const a = auth.authenticate('sk-city-0001').keyId;
    expect(a).toBe(auth.authenticate('sk-city-0001').keyId);
    expect(a).not.toBe(auth.authenticate('sk-county-02').keyId);
    expect(a).not.toContain('city');
  });

  test('rejects missing, unknown and absurdly long keys with 401', () => {
    for (const credential of [undefined, '', 'sk-wrong-000', 'x'.repeat(10_000)]) {
      expect(() => auth.authenticate(credential)).toThrow(expect.objectContaining({ status: 401 }));
    }
  });

  test('marks keys of admin tenants as operators, and nobody else', () => {
    const withOps = createAuthenticator({ keys: [{ key: 'sk-city-0001', tenant: 'city' }, { key: 'sk-ops-00001', tenant: 'ops' }], adminTenants: ['ops'] });
    expect(withOps.authenticate('sk-ops-00001')).toMatchObject({ tenant: 'ops', admin: true });
    expect(withOps.authenticate('sk-city-0001')).toMatchObject({ tenant: 'city', admin: false });
    expect(auth.authenticate('sk-city-0001').admin).toBe(false);
  });

  test('admits everyone as one tenant in open mode', () => {
    const open = createAuthenticator({ keys: [] });
    expect(open.openMode).toBe(true);
    expect(open.authenticate(undefined).tenant).toBe(OPEN_MODE_TENANT);
  });

  test('parses bearer headers case-insensitively and ignores other schemes', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer  abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken(null)).toBeUndefined();
  });
});
