import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { StartupError } from './startup-error.js';

/**
 * The demo's whole configuration, read from the environment in this one module (the packages take
 * plain options and never look at process.env). Every switch is independent:
 * - DATABASE_URL set: a real PostgreSQL; unset: embedded PostgreSQL (PGlite) under `dataDir`.
 * - HUBSPOT_CLIENT_ID set: a real HubSpot app; unset: the in-process HubSpot emulator.
 * - TELEGRAM_BOT_TOKEN + TELEGRAM_CHAT_ID set: alerts go to Telegram; unset: to the console.
 */

/** apps/demo, found from this file so `.data` does not move with the shell's working directory. */
export const DEMO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_DATA_DIR = path.join(DEMO_ROOT, '.data');

export class ConfigError extends StartupError {
  override name = 'ConfigError';
}

export interface HubSpotAppConfig {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  apiBase: string;
  authBase: string;
}

export interface DemoConfig {
  port: number;
  /**
   * The interface the demo listens on. 127.0.0.1 by default: its sign-in has no password, so it is
   * reachable only from this machine unless HOST says otherwise (e.g. 0.0.0.0 inside a container).
   */
  host: string;
  /** Port of the in-process emulator; 0 = any free port. Unused with a real HubSpot app. */
  emulatorPort: number;
  production: boolean;
  /** Where PGlite keeps its files and where the generated encryption key lives. */
  dataDir: string;
  /** null: embedded PostgreSQL under dataDir. */
  databaseUrl: string | null;
  /** null: the in-process emulator plays HubSpot. */
  hubspot: HubSpotAppConfig | null;
  /** null: generate one once and keep it in dataDir (refused in production). */
  tokenEncryptionKey: string | null;
  telegram: { botToken: string; chatId: string; apiBase: string } | null;
}

const blankIsUnset = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const optionalText = z.preprocess(blankIsUnset, z.string().trim().optional());
const port = (fallback: number) => z.preprocess(blankIsUnset, z.coerce.number().int().min(0).max(65_535).default(fallback));
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
/** An IP address or a host name to bind to (no scheme, no port). */
const bindHost = z.preprocess(
  blankIsUnset,
  z
    .union([z.ipv4(), z.ipv6(), z.hostname()], { error: 'must be an IP address or a host name to listen on, e.g. 127.0.0.1 or 0.0.0.0' })
    .default('127.0.0.1'),
);

const environmentSchema = z.object({
  PORT: port(3000),
  HOST: bindHost,
  EMULATOR_PORT: z.preprocess(blankIsUnset, z.coerce.number().int().min(0).max(65_535).optional()),
  NODE_ENV: optionalText,
  DEMO_DATA_DIR: optionalText,
  DATABASE_URL: z.preprocess(
    blankIsUnset,
    z
      .string()
      .trim()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
  ),
  HUBSPOT_CLIENT_ID: optionalText,
  HUBSPOT_CLIENT_SECRET: optionalText,
  HUBSPOT_REDIRECT_URI: z.preprocess(blankIsUnset, httpUrl.optional()),
  HUBSPOT_API_BASE: z.preprocess(blankIsUnset, httpUrl.default('https://api.hubapi.com')),
  HUBSPOT_AUTH_BASE: z.preprocess(blankIsUnset, httpUrl.default('https://app.hubspot.com')),
  TOKEN_ENCRYPTION_KEY: optionalText,
  TELEGRAM_BOT_TOKEN: optionalText,
  TELEGRAM_CHAT_ID: optionalText,
  TELEGRAM_API_BASE: z.preprocess(blankIsUnset, httpUrl.default('https://api.telegram.org')),
});

/**
 * Loads `apps/demo/.env` (copied from `.env.example`) into process.env when it exists. Variables
 * already set in the shell win, so `PORT=3999 pnpm demo` still overrides the file.
 */
export function loadDotEnv(file = path.join(DEMO_ROOT, '.env')): string | null {
  if (!existsSync(file)) return null;
  process.loadEnvFile(file);
  return file;
}

/** Parses an environment (process.env by default) into the demo's config, or throws ConfigError naming the variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): DemoConfig {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`The environment is not valid:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';

  if (production && !e.TOKEN_ENCRYPTION_KEY) {
    throw new ConfigError(
      'TOKEN_ENCRYPTION_KEY is required when NODE_ENV=production (HubSpot tokens are encrypted with it at rest).\n' +
        '  Generate one with: openssl rand -base64 32',
    );
  }

  let hubspot: HubSpotAppConfig | null = null;
  const hubspotSet = [e.HUBSPOT_CLIENT_ID, e.HUBSPOT_CLIENT_SECRET].filter(Boolean).length;
  if (hubspotSet === 1) {
    throw new ConfigError('Set both HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET to use a real HubSpot app, or neither to use the emulator.');
  }
  if (e.HUBSPOT_CLIENT_ID && e.HUBSPOT_CLIENT_SECRET) {
    hubspot = {
      clientId: e.HUBSPOT_CLIENT_ID,
      clientSecret: e.HUBSPOT_CLIENT_SECRET,
      // HubSpot allows plain http only for localhost; this default is what the README registers.
      redirectUri: e.HUBSPOT_REDIRECT_URI ?? `http://localhost:${e.PORT}/integrations/hubspot/callback`,
      apiBase: e.HUBSPOT_API_BASE,
      authBase: e.HUBSPOT_AUTH_BASE,
    };
  }

  if (Boolean(e.TELEGRAM_BOT_TOKEN) !== Boolean(e.TELEGRAM_CHAT_ID)) {
    throw new ConfigError('Set both TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID to send alerts to Telegram, or neither to print them to the console.');
  }

  return {
    port: e.PORT,
    host: e.HOST,
    // A fixed neighbour port by default, so the emulator's pages have a stable address to bookmark.
    emulatorPort: e.EMULATOR_PORT ?? (e.PORT === 0 ? 0 : e.PORT + 1),
    production,
    dataDir: e.DEMO_DATA_DIR ? path.resolve(e.DEMO_DATA_DIR) : DEFAULT_DATA_DIR,
    databaseUrl: e.DATABASE_URL ?? null,
    hubspot,
    tokenEncryptionKey: e.TOKEN_ENCRYPTION_KEY ?? null,
    telegram: e.TELEGRAM_BOT_TOKEN && e.TELEGRAM_CHAT_ID ? { botToken: e.TELEGRAM_BOT_TOKEN, chatId: e.TELEGRAM_CHAT_ID, apiBase: e.TELEGRAM_API_BASE } : null,
  };
}
