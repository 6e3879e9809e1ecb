import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_APP, RATE_LIMIT_PROFILES } from './defaults.js';
import type { AppConfig, EmulatorOptions, PortalConfig, RateLimitProfile } from './types.js';

// Command-line flags → EmulatorOptions. Kept apart from cli.ts so it can be tested without a process.

export const DEFAULT_CLI_PORT = 4010;

export const USAGE = `Usage: hubspot-emulator [options]

  --port <n>             listen port (default ${DEFAULT_CLI_PORT}; 0 = ephemeral)
  --host <h>             listen address (default 127.0.0.1)
  --seed <s>             deterministic ids, tokens, correlationIds and shuffles
  --config <file>        JSON file with EmulatorOptions (flags override it)
  --rate-limit <n>       requests per 10 s per portal+app (default 110)
  --profile <name>       ${Object.entries(RATE_LIMIT_PROFILES).map(([name, max]) => `${name} (${max})`).join(', ')}
  --secondly <n>         also limit requests per second
  --retry-after          send Retry-After on 429
  --no-rate-limit        disable rate limiting
  --client-id <id>       app client id (default ${DEFAULT_APP.clientId})
  --client-secret <s>    app client secret (default ${DEFAULT_APP.clientSecret})
  --app-name <name>      app name on the consent page (default ${DEFAULT_APP.name})
  --redirect-uri <uri>   allowed redirect URI (repeatable; default: any on localhost)
  --portal <hubId>       a portal to create (repeatable; default 1001 and 1002)
  --multi-status         207 partial upserts when inputs carry unique objectWriteTraceIds
  --no-shuffle           return batch results in input order
  --strict-email         match emails case-sensitively (surfaces missing normalisation)
  --extra-tld <tld>      accept this TLD in emails (repeatable, e.g. test)
  --token-ttl <seconds>  access token lifetime (default 1800)
  --issue-tokens         print a ready token pair for every portal at start
  --help                 show this help
`;

export interface CliConfig {
  options: EmulatorOptions;
  issueTokens: boolean;
  help: boolean;
}

function integer(flag: string, value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`${flag} needs a non-negative integer, got "${value}"`);
  return parsed;
}

export function parseCliArgs(argv: string[]): CliConfig {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      seed: { type: 'string' },
      config: { type: 'string' },
      'rate-limit': { type: 'string' },
      profile: { type: 'string' },
      secondly: { type: 'string' },
      'retry-after': { type: 'boolean' },
      'no-rate-limit': { type: 'boolean' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      'app-name': { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      portal: { type: 'string', multiple: true },
      'multi-status': { type: 'boolean' },
      'no-shuffle': { type: 'boolean' },
      'strict-email': { type: 'boolean' },
      'extra-tld': { type: 'string', multiple: true },
      'token-ttl': { type: 'string' },
      'issue-tokens': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });

  const options: EmulatorOptions = values.config ? (JSON.parse(readFileSync(values.config, 'utf8')) as EmulatorOptions) : {};
  options.port = values.port !== undefined ? integer('--port', values.port) : (options.port ?? DEFAULT_CLI_PORT);
  if (values.host) options.host = values.host;
  if (values.seed !== undefined) options.seed = values.seed;

  const rateLimit = { ...options.rateLimit };
  if (values['rate-limit'] !== undefined) rateLimit.max = integer('--rate-limit', values['rate-limit']);
  if (values.profile !== undefined) {
    if (!(values.profile in RATE_LIMIT_PROFILES)) throw new Error(`--profile must be one of ${Object.keys(RATE_LIMIT_PROFILES).join(', ')}`);
    rateLimit.profile = values.profile as RateLimitProfile;
  }
  if (values.secondly !== undefined) rateLimit.secondly = integer('--secondly', values.secondly);
  if (values['retry-after']) rateLimit.retryAfter = true;
  if (values['no-rate-limit']) rateLimit.enabled = false;
  options.rateLimit = rateLimit;

  if (values['client-id'] || values['client-secret'] || values['app-name'] || values['redirect-uri']) {
    const app: AppConfig = {
      clientId: values['client-id'] ?? DEFAULT_APP.clientId,
      clientSecret: values['client-secret'] ?? DEFAULT_APP.clientSecret,
      name: values['app-name'] ?? DEFAULT_APP.name,
    };
    if (values['redirect-uri']) app.redirectUris = values['redirect-uri'];
    options.apps = [app];
  }
  if (values.portal) {
    options.portals = values.portal.flatMap((item) => item.split(',')).map((hubId): PortalConfig => ({ hubId: integer('--portal', hubId.trim()) }));
  }

  const contacts = { ...options.contacts };
  if (values['multi-status']) contacts.upsertMode = 'multi-status';
  if (values['no-shuffle']) contacts.shuffleResults = false;
  if (values['strict-email']) contacts.emailMatching = 'strict';
  if (values['extra-tld']) contacts.extraTlds = [...(contacts.extraTlds ?? []), ...values['extra-tld']];
  options.contacts = contacts;
  if (values['token-ttl'] !== undefined) options.accessTokenTtlSeconds = integer('--token-ttl', values['token-ttl']);

  return { options, issueTokens: values['issue-tokens'] === true, help: values.help === true };
}
