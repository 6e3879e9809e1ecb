import { describe, expect, it } from 'vitest';
import { UsageError } from './cli-args.js';
import { readCliEnv, redactDatabaseUrl } from './cli-env.js';

const KEY = Buffer.alloc(32, 7).toString('base64');
const complete = {
  DATABASE_URL: 'postgres://sweeper:s3cret@db.internal:5432/jobcannon',
  HUBSPOT_CLIENT_ID: 'client',
  HUBSPOT_CLIENT_SECRET: 'secret',
  HUBSPOT_REDIRECT_URI: 'https://app.jobcannon.io/integrations/hubspot/callback',
  TOKEN_ENCRYPTION_KEY: KEY,
  JOBCANNON_RESULT_URL_BASE: 'https://app.jobcannon.io',
};

/** The UsageError's message, failing the test when readCliEnv accepts the environment. */
function refusal(env: Record<string, string | undefined>): string {
  try {
    readCliEnv(env);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('readCliEnv accepted an environment it should refuse');
}

describe('readCliEnv', () => {
  it('builds the integration options, key id k1 by default, ignoring the rest of the environment', () => {
    expect(readCliEnv({ ...complete, HUBSPOT_API_BASE: 'http://127.0.0.1:4010', PATH: '/usr/bin', HOME: '/root' })).toEqual({
      databaseUrl: complete.DATABASE_URL,
      integration: {
        hubspot: { clientId: 'client', clientSecret: 'secret', redirectUri: complete.HUBSPOT_REDIRECT_URI, apiBase: 'http://127.0.0.1:4010' },
        encryption: { currentKeyId: 'k1', keys: { k1: KEY } },
        resultUrlBase: 'https://app.jobcannon.io',
      },
    });
    expect(readCliEnv({ ...complete, TOKEN_ENCRYPTION_KEY_ID: '2026-rotation' }).integration.encryption).toEqual({ currentKeyId: '2026-rotation', keys: { '2026-rotation': KEY } });
  });

  // Failed before: the keyring held one key, so tokens written under a retired key could not be re-encrypted.
  it('adds TOKEN_ENCRYPTION_OLD_KEYS to the keyring (the current key wins its id), and refuses a malformed list without echoing it', () => {
    const old = Buffer.alloc(32, 9).toString('base64');
    expect(readCliEnv({ ...complete, TOKEN_ENCRYPTION_KEY_ID: '2026', TOKEN_ENCRYPTION_OLD_KEYS: ` 2025:${old} , 2026:${old}` }).integration.encryption).toEqual({ currentKeyId: '2026', keys: { '2025': old, '2026': KEY } });
    for (const bad of ['2025', `2025:${old.slice(4)}`, `bad id:${old}`, `2025:${old},2025:${KEY}`]) {
      const message = refusal({ ...complete, TOKEN_ENCRYPTION_OLD_KEYS: bad });
      expect(message).toContain('TOKEN_ENCRYPTION_OLD_KEYS must be "id:base64key" pairs');
      expect(message).not.toContain(old.slice(4, 20));
    }
  });

  it('trims values and treats blank optional ones as unset', () => {
    const config = readCliEnv({ ...complete, HUBSPOT_CLIENT_ID: '  client\n', HUBSPOT_API_BASE: '  ', HUBSPOT_AUTH_BASE: '', TOKEN_ENCRYPTION_KEY_ID: ' ' });
    expect(config.integration.hubspot).toEqual({ clientId: 'client', clientSecret: 'secret', redirectUri: complete.HUBSPOT_REDIRECT_URI });
    expect(config.integration.encryption.currentKeyId).toBe('k1');
  });

  it('names every missing variable at once, blank ones included', () => {
    expect(refusal({ HUBSPOT_CLIENT_SECRET: '   ' })).toBe(
      'Configuration: DATABASE_URL is missing; HUBSPOT_CLIENT_ID is missing; HUBSPOT_CLIENT_SECRET is missing; HUBSPOT_REDIRECT_URI is missing; ' +
        'TOKEN_ENCRYPTION_KEY is missing; JOBCANNON_RESULT_URL_BASE is missing. Run with --help for the list.',
    );
  });

  it('names every bad variable with its reason in one error, missing ones too', () => {
    expect(
      refusal({
        ...complete,
        DATABASE_URL: 'mysql://x',
        HUBSPOT_CLIENT_SECRET: ' ',
        HUBSPOT_API_BASE: 'api.hubapi.com',
        HUBSPOT_AUTH_BASE: 'ftp://app.hubspot.com',
        TOKEN_ENCRYPTION_KEY: 'dG9vIHNob3J0',
        TOKEN_ENCRYPTION_KEY_ID: 'key id with spaces',
      }),
    ).toBe(
      'Configuration: DATABASE_URL must be a postgres:// (or postgresql://) connection string; HUBSPOT_CLIENT_SECRET is missing; ' +
        'HUBSPOT_API_BASE must be an http(s) URL (got "api.hubapi.com"); HUBSPOT_AUTH_BASE must be an http(s) URL (got "ftp://app.hubspot.com"); ' +
        'TOKEN_ENCRYPTION_KEY must be 32 bytes in base64 (44 characters), the key the host encrypts HubSpot tokens with; ' +
        'TOKEN_ENCRYPTION_KEY_ID must be 1-64 letters, digits, "_" or "-". Run with --help for the list.',
    );
  });

  it.each([
    ['HUBSPOT_REDIRECT_URI', '/integrations/hubspot/callback'],
    ['JOBCANNON_RESULT_URL_BASE', 'app.jobcannon.io'],
  ])('refuses %s that is not an http(s) URL', (name, value) => {
    expect(refusal({ ...complete, [name]: value })).toBe(`Configuration: ${name} must be an http(s) URL (got "${value}"). Run with --help for the list.`);
  });

  it('never echoes the encryption key, the client secret or the database password', () => {
    const message = refusal({ ...complete, DATABASE_URL: 'mysql://root:hunter2@db', TOKEN_ENCRYPTION_KEY: 'dG9vIHNob3J0', JOBCANNON_RESULT_URL_BASE: 'nope' });
    expect(message).toContain('TOKEN_ENCRYPTION_KEY must be 32 bytes in base64');
    expect(message).toContain('DATABASE_URL must be a postgres://');
    for (const secret of ['dG9vIHNob3J0', 'hunter2', complete.HUBSPOT_CLIENT_SECRET]) expect(message).not.toContain(secret);
  });

  it('masks the database password in messages', () => {
    expect(redactDatabaseUrl(complete.DATABASE_URL)).toBe('postgres://sweeper:***@db.internal:5432/jobcannon');
    expect(redactDatabaseUrl('postgres://sweeper@db.internal/jobcannon')).toBe('postgres://sweeper@db.internal/jobcannon');
  });
});
