import type { HubSpotIntegrationOptions } from '@jobcannon/hubspot-core';
import { z } from 'zod';
import { UsageError } from './cli-args.js';

export interface CliEnvConfig {
  databaseUrl: string;
  /** Everything createHubSpotIntegration needs except `db` (and the CLI's own choices). */
  integration: Pick<HubSpotIntegrationOptions, 'hubspot' | 'encryption' | 'resultUrlBase'>;
}

// A variable set to blanks is as good as unset: deployments often template empty values in.
const blankIsUnset = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const requiredText = () => z.preprocess(blankIsUnset, z.string({ error: 'is missing' }).trim());
/** URLs are no secrets: the value is echoed, so the operator sees the typo. */
const httpUrl = z.url({ protocol: /^https?$/, error: (issue) => `must be an http(s) URL (got "${String(issue.input)}")` });
const requiredUrl = () => z.preprocess(blankIsUnset, z.string({ error: 'is missing' }).trim().pipe(httpUrl));
const optionalUrl = () => z.preprocess(blankIsUnset, z.string().trim().pipe(httpUrl).optional());

const environmentSchema = z.object({
  DATABASE_URL: z.preprocess(
    blankIsUnset,
    z
      .string({ error: 'is missing' })
      .trim()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// (or postgresql://) connection string'),
  ),
  HUBSPOT_CLIENT_ID: requiredText(),
  HUBSPOT_CLIENT_SECRET: requiredText(),
  HUBSPOT_REDIRECT_URI: requiredUrl(),
  HUBSPOT_API_BASE: optionalUrl(),
  HUBSPOT_AUTH_BASE: optionalUrl(),
  // Never echoed: it is the key the tokens are encrypted with.
  TOKEN_ENCRYPTION_KEY: z.preprocess(
    blankIsUnset,
    z
      .string({ error: 'is missing' })
      .trim()
      .refine(isBase64Key, 'must be 32 bytes in base64 (44 characters), the key the host encrypts HubSpot tokens with'),
  ),
  TOKEN_ENCRYPTION_KEY_ID: z.preprocess(
    blankIsUnset,
    z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "_" or "-"')
      .default('k1'),
  ),
  JOBCANNON_RESULT_URL_BASE: requiredUrl(),
  // Never echoed either. Keys a rotation retired but stored tokens may still be written with.
  TOKEN_ENCRYPTION_OLD_KEYS: z.preprocess(
    blankIsUnset,
    z
      .string()
      .trim()
      .refine(
        (value) => parseOldKeys(value) !== null,
        'must be "id:base64key" pairs separated by commas (ids of 1-64 letters, digits, "_" or "-"; keys 32 bytes in base64)',
      )
      .optional(),
  ),
});

/** `id:key,id:key` → { id: key }, or null when any pair is malformed. */
function parseOldKeys(value: string): Record<string, string> | null {
  const keys: Record<string, string> = {};
  for (const pair of value.split(',')) {
    const separator = pair.indexOf(':');
    const id = pair.slice(0, separator).trim();
    const key = pair.slice(separator + 1).trim();
    if (separator === -1 || !/^[A-Za-z0-9_-]{1,64}$/.test(id) || !isBase64Key(key) || id in keys) return null;
    keys[id] = key;
  }
  return keys;
}

/**
 * The CLI's configuration from the environment (the package itself reads no environment), checked
 * with one zod schema as the demo's is. Every bad or missing variable is named with its reason in
 * one UsageError, so an operator fixes the deployment in one go. Never echoes a secret.
 */
export function readCliEnv(env: Record<string, string | undefined>): CliEnvConfig {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new UsageError(`Configuration: ${problems.join('; ')}. Run with --help for the list.`);
  }
  const e = parsed.data;
  return {
    databaseUrl: e.DATABASE_URL,
    integration: {
      hubspot: {
        clientId: e.HUBSPOT_CLIENT_ID,
        clientSecret: e.HUBSPOT_CLIENT_SECRET,
        redirectUri: e.HUBSPOT_REDIRECT_URI,
        ...(e.HUBSPOT_API_BASE ? { apiBase: e.HUBSPOT_API_BASE } : {}),
        ...(e.HUBSPOT_AUTH_BASE ? { authBase: e.HUBSPOT_AUTH_BASE } : {}),
      },
      // The current key wins over an old one filed under the same id.
      encryption: { currentKeyId: e.TOKEN_ENCRYPTION_KEY_ID, keys: { ...(e.TOKEN_ENCRYPTION_OLD_KEYS ? parseOldKeys(e.TOKEN_ENCRYPTION_OLD_KEYS) : {}), [e.TOKEN_ENCRYPTION_KEY_ID]: e.TOKEN_ENCRYPTION_KEY } },
      resultUrlBase: e.JOBCANNON_RESULT_URL_BASE,
    },
  };
}

function isBase64Key(value: string): boolean {
  return /^[A-Za-z0-9+/_-]+={0,2}$/.test(value) && Buffer.from(value, 'base64').length === 32;
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
