// Public option types. Internal records (tokens, contacts, properties) live in state.ts and are
// re-exported from index.ts so hosts can inspect `emulator.state` with types.

/** Anything with a `now()` in epoch milliseconds. Token expiry, rate windows and timestamps use it. */
export interface Clock {
  now(): number;
}

/** A marketplace (public OAuth) app that portals can install. */
export interface AppConfig {
  clientId: string;
  clientSecret: string;
  /** Shown on the consent page. */
  name?: string;
  /** HubSpot's numeric app id (`app_id` in token info). */
  appId?: number;
  /**
   * Exact redirect URIs the app allows. When absent, any http(s) URL on localhost, 127.0.0.1 or
   * [::1] is accepted, so demos on ephemeral ports work without configuration.
   */
  redirectUris?: string[];
  /**
   * The app's configured required scopes. When set, the install URL's `scope` must list exactly
   * these (HubSpot refuses a mismatch); when absent any scopes are accepted.
   */
  scopes?: string[];
  /** The app's configured optional scopes (only checked when `scopes` is set). */
  optionalScopes?: string[];
}

/** A HubSpot account (portal) identified by its hub id. */
export interface PortalConfig {
  hubId: number;
  /** e.g. `acme-demo.hubspot.com` (`hub_domain` in token info). */
  domain?: string;
  /** The installing user's email (`user` in token info). */
  userEmail?: string;
  userId?: number;
  /** Display name on the consent page and UI. */
  name?: string;
  /**
   * Scopes this portal's subscription lacks: optional ones are silently not granted, required ones
   * make the consent screen refuse the install.
   */
  unavailableScopes?: string[];
  /** Per-portal override of the emulator-wide rate limit. */
  rateLimit?: RateLimitOptions;
}

/** Named ten-second budgets: public OAuth app 110, free/starter private app 100, pre-2024 paid 150, professional/enterprise 190. */
export type RateLimitProfile = 'public-app' | 'free' | 'legacy-paid' | 'professional';

export interface RateLimitOptions {
  /** false turns all limiting (and the rate headers) off. Default true. */
  enabled?: boolean;
  /** Requests per rolling window per (portal, app). Default 110 (or the profile's). */
  max?: number;
  profile?: RateLimitProfile;
  /** Window length. Default 10 000 ms (what HubSpot sends in `X-HubSpot-RateLimit-Interval-Milliseconds`). */
  intervalMs?: number;
  /** Optional per-second limit on top of the window (off by default; HubSpot's old value was 10). */
  secondly?: number | false;
  /** Send `Retry-After` on 429: true = seconds until a slot frees up, a number = that many seconds. Default false (HubSpot does not document one). */
  retryAfter?: boolean | number;
  /** CRM search limit per portal per second. Default 5. */
  searchPerSecond?: number;
}

/** Status codes and socket behaviours a fault can produce. */
export type FaultKind = 500 | 502 | 503 | 504 | 423 | 477 | 429 | 'timeout' | 'reset';

export interface FaultRule {
  /** Assigned when added; use it to remove one rule. */
  id?: string;
  /** Only requests for this portal. Rules without hubId also match OAuth routes (which have no portal). */
  hubId?: number;
  /** Route name (`contacts.batchUpsert`, `properties.create`, `oauth.token`, …), a prefix wildcard (`contacts.*`) or `*` (default). */
  route?: string;
  /** What happens. Omit it (with latencyMs) for a pure slowdown. */
  kind?: FaultKind;
  /** Pick one at random (seeded) per firing. */
  kinds?: FaultKind[];
  /** Fire for the next N matching requests, then the rule is spent. Default: unlimited. */
  times?: number;
  /** Probability (0..1) that a matching request is hit; seeded. Default 1. */
  rate?: number;
  /** Added delay (real milliseconds) before the response, or before the fault. */
  latencyMs?: number;
  /** `Retry-After` seconds for 477 (default 5) and 429 (default: none, like HubSpot). */
  retryAfterSeconds?: number;
  /** For `timeout`: destroy the socket after this many ms. Default: never answer until the client gives up. */
  hangMs?: number;
  /** Replace the default JSON error body (a string is sent as text/html, like a gateway page). */
  body?: unknown;
}

export interface ContactsOptions {
  /**
   * `atomic` (default, what email-keyed upserts do): one invalid input rejects the whole batch with
   * 400 and nothing is written. `multi-status`: when every input carries a unique
   * objectWriteTraceId, invalid inputs are reported in a 207 and the valid ones are written.
   */
  upsertMode?: 'atomic' | 'multi-status';
  /** Return batch results in a (seeded) shuffled order, never input order. Default true. */
  shuffleResults?: boolean;
  /** `lowercase` (default): emails are stored and matched lower-cased. `strict`: stored as sent and matched exactly, which surfaces clients that forget to normalise. */
  emailMatching?: 'lowercase' | 'strict';
  /** Error code for text in a number property (HubSpot's exact code is unverified). Default `INVALID_NUMBER`. */
  numberErrorCode?: string;
  /** Behave like pre-2024 portals that refuse `idProperty: "email"` on upsert. Default false. */
  legacyEmailUpsert?: boolean;
  /** `all` (default) lists the invalid properties of every input; `first-input` only those of the first invalid input. */
  validationErrors?: 'all' | 'first-input';
  /** Extra top-level domains to accept in emails (e.g. `test`); the built-in list holds real TLDs only. */
  extraTlds?: string[];
}

export interface PropertiesOptions {
  /** Active custom properties per object. Default 1 000. */
  customPropertyLimit?: number;
  /** Status/category/subCategory for creating a group whose name is active (HubSpot's exact body is unverified). */
  groupConflict?: { status?: number; category?: string; subCategory?: string };
}

export interface WebhookOptions {
  /** Delays between delivery attempts (real ms); its length is the number of retries. Default [100, 200, 400, 800]. */
  retryDelaysMs?: number[];
  /** An attempt that takes longer counts as failed (HubSpot: 5 s). Default 5 000. */
  timeoutMs?: number;
}

export interface EmulatorOptions {
  /** 0 (default) = an ephemeral port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  clock?: Clock;
  /** Makes ids, tokens, correlationIds, shuffles and random faults reproducible. */
  seed?: number | string;
  /** Default: [DEFAULT_APP]. */
  apps?: AppConfig[];
  /** Default: DEFAULT_PORTALS (hubs 1001 and 1002). */
  portals?: PortalConfig[];
  rateLimit?: RateLimitOptions;
  faults?: FaultRule[];
  contacts?: ContactsOptions;
  properties?: PropertiesOptions;
  webhooks?: WebhookOptions;
  /** Access token lifetime. Default 1 800 s (HubSpot's 30 minutes). */
  accessTokenTtlSeconds?: number;
  /** Authorization code lifetime. Default 10 minutes. */
  authCodeTtlMs?: number;
  /**
   * Token-endpoint error bodies. `live` (default): what live reports show (`error`, `error_description`,
   * `status`, `message`) plus the spec's generic `category` and `correlationId`. `spec`: only the
   * generic error model the OpenAPI specs promise (`{status:"error", category, correlationId, message}`),
   * for clients that must not depend on the live-only fields.
   */
  tokenErrorBody?: 'live' | 'spec';
  /** Request log entries kept (oldest dropped). Default 2 000. */
  requestLogLimit?: number;
  /**
   * A JSON file holding the emulator's portals (properties, contacts), installs and tokens: loaded
   * at start when it exists, written shortly after each change and on close, so a restarted
   * emulator resumes where it stopped. Default none (everything in memory).
   */
  stateFile?: string;
}
