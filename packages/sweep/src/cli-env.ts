import type { HubSpotIntegrationOptions } from '@jobcannon/hubspot-core';
import { UsageError } from './cli-args.js';

export interface CliEnvConfig {
  databaseUrl: string;
  /** Everything createHubSpotIntegration needs except `db` (and the CLI's own choices). */
  integration: Pick<HubSpotIntegrationOptions, 'hubspot' | 'encryption' | 'resultUrlBase'>;
}

const REQUIRED = [
  'DATABASE_URL',
  'HUBSPOT_CLIENT_ID',
  'HUBSPOT_CLIENT_SECRET',
  'HUBSPOT_REDIRECT_URI',
  'TOKEN_ENCRYPTION_KEY',
  'JOBCANNON_RESULT_URL_BASE',
] as const;

/**
 * The CLI's configuration from the environment (the package itself reads no environment). Reports
 * every problem at once, so an operator fixes the deployment in one go. Never echoes a secret.
 */
export function readCliEnv(env: Record<string, string | undefined>): CliEnvConfig {
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };
  const problems: string[] = [];
  const missing = REQUIRED.filter((name) => value(name) === undefined);
  if (missing.length > 0) problems.push(`missing ${missing.join(', ')}`);

  const databaseUrl = value('DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must be a postgres:// (or postgresql://) connection string');
  }
  for (const name of ['HUBSPOT_REDIRECT_URI', 'HUBSPOT_API_BASE', 'HUBSPOT_AUTH_BASE', 'JOBCANNON_RESULT_URL_BASE']) {
    const url = value(name);
    if (url !== undefined && !isHttpUrl(url)) problems.push(`${name} must be an http(s) URL (got "${url}")`);
  }
  const key = value('TOKEN_ENCRYPTION_KEY');
  if (key !== undefined && !isBase64Key(key)) {
    problems.push('TOKEN_ENCRYPTION_KEY must be 32 bytes in base64 (44 characters), the key the host encrypts HubSpot tokens with');
  }
  const keyId = value('TOKEN_ENCRYPTION_KEY_ID') ?? 'k1';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(keyId)) problems.push('TOKEN_ENCRYPTION_KEY_ID must be 1-64 letters, digits, "_" or "-"');
  if (problems.length > 0) throw new UsageError(`Configuration: ${problems.join('; ')}. Run with --help for the list.`);

  const apiBase = value('HUBSPOT_API_BASE');
  const authBase = value('HUBSPOT_AUTH_BASE');
  return {
    databaseUrl: databaseUrl!,
    integration: {
      hubspot: {
        clientId: value('HUBSPOT_CLIENT_ID')!,
        clientSecret: value('HUBSPOT_CLIENT_SECRET')!,
        redirectUri: value('HUBSPOT_REDIRECT_URI')!,
        ...(apiBase ? { apiBase } : {}),
        ...(authBase ? { authBase } : {}),
      },
      encryption: { currentKeyId: keyId, keys: { [keyId]: key! } },
      resultUrlBase: value('JOBCANNON_RESULT_URL_BASE')!,
    },
  };
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function isBase64Key(text: string): boolean {
  return /^[A-Za-z0-9+/_-]+={0,2}$/.test(text) && Buffer.from(text, 'base64').length === 32;
}

/** The URL with its password masked, for messages. */
export function redactDatabaseUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}
