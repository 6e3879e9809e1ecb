import type { AppConfig, PortalConfig, RateLimitProfile } from './types.js';

/** The app a host gets with no options: the JobCannon demo's marketplace app. */
export const DEFAULT_APP: Readonly<AppConfig> & { readonly name: string; readonly appId: number } = Object.freeze({
  clientId: 'jc-demo-client',
  clientSecret: 'jc-demo-secret',
  name: 'JobCannon',
  appId: 3001,
});

/** Two portals, so code that forgets `hub_id` (one connection per account) shows up in tests. */
export const DEFAULT_PORTALS: ReadonlyArray<Readonly<PortalConfig>> = Object.freeze([
  Object.freeze({ hubId: 1001, domain: 'acme-demo.hubspot.com', name: 'Acme Demo', userEmail: 'admin@acme-demo.com', userId: 7001 }),
  Object.freeze({ hubId: 1002, domain: 'globex-demo.hubspot.com', name: 'Globex Demo', userEmail: 'admin@globex-demo.com', userId: 7002 }),
]);

/** Scopes given by `issueTokens()` when none are asked for: everything the contacts + properties endpoints check. */
export const DEFAULT_TOKEN_SCOPES: readonly string[] = Object.freeze([
  'oauth',
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.schemas.contacts.read',
  'crm.schemas.contacts.write',
]);

/** Requests per 10 s: public OAuth app, free/starter private app, pre-2024 paid, professional/enterprise. */
export const RATE_LIMIT_PROFILES: Readonly<Record<RateLimitProfile, number>> = Object.freeze({
  'public-app': 110,
  free: 100,
  'legacy-paid': 150,
  professional: 190,
});

export const DEFAULT_RATE_LIMIT_MAX = RATE_LIMIT_PROFILES['public-app'];
export const DEFAULT_INTERVAL_MS = 10_000;
export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 1800;
export const DEFAULT_AUTH_CODE_TTL_MS = 10 * 60_000;
