import { systemClock } from './clock.js';
import { Counters } from './counters.js';
import { DEFAULT_ACCESS_TOKEN_TTL_SECONDS, DEFAULT_APP, DEFAULT_AUTH_CODE_TTL_MS, DEFAULT_PORTALS } from './defaults.js';
import { FaultInjector } from './faults.js';
import { createRandom, resolveSeed, type Random } from './random.js';
import { RateLimiter, resolveRateLimit, type ResolvedRateLimit } from './rate-limiter.js';
import { RequestLog } from './request-log.js';
import { createPortalState, toAppState, type EmulatorState, type PortalState } from './state.js';
import type { AppConfig, Clock, EmulatorOptions, PortalConfig, RateLimitOptions } from './types.js';

export interface ResolvedContactsOptions {
  upsertMode: 'atomic' | 'multi-status';
  shuffleResults: boolean;
  emailMatching: 'lowercase' | 'strict';
  numberErrorCode: string;
  legacyEmailUpsert: boolean;
  validationErrors: 'all' | 'first-input';
  extraTlds: Set<string>;
}

export interface ResolvedOptions {
  rateLimit: RateLimitOptions;
  contacts: ResolvedContactsOptions;
  properties: { customPropertyLimit: number; groupConflict: { status: number; category: string; subCategory: string } };
  webhooks: { retryDelaysMs: number[]; timeoutMs: number };
  accessTokenTtlSeconds: number;
  authCodeTtlMs: number;
  tokenErrorBody: 'live' | 'spec';
}

/** Shared services of one running emulator; route handlers receive it. */
export class EmulatorCore {
  readonly clock: Clock;
  readonly seed: string;
  readonly state: EmulatorState;
  readonly options: ResolvedOptions;
  readonly appConfigs: AppConfig[];
  readonly portalConfigs: PortalConfig[];
  /** The configured limit, restored by reset() after live setRateLimit() changes. */
  private readonly initialRateLimit: RateLimitOptions;
  readonly counters = new Counters();
  readonly limiter = new RateLimiter();
  readonly faults: FaultInjector;
  readonly log: RequestLog;
  readonly random: { correlation: Random; tokens: Random; shuffle: Random; webhooks: Random };
  webhookEventSeq = 1;

  constructor(options: EmulatorOptions) {
    this.clock = options.clock ?? systemClock;
    this.seed = resolveSeed(options.seed);
    this.appConfigs = (options.apps ?? [DEFAULT_APP]).map((app) => ({ ...app }));
    this.portalConfigs = (options.portals ?? DEFAULT_PORTALS).map((portal) => ({ ...portal }));
    if (this.appConfigs.length === 0) throw new Error('the emulator needs at least one app');
    if (this.portalConfigs.length === 0) throw new Error('the emulator needs at least one portal');
    assertUnique(this.appConfigs.map((app) => app.clientId), 'app clientId');
    assertUnique(this.portalConfigs.map((portal) => String(portal.hubId)), 'portal hubId');
    const contacts = options.contacts ?? {};
    this.initialRateLimit = { ...options.rateLimit };
    this.options = {
      rateLimit: { ...options.rateLimit },
      contacts: {
        upsertMode: contacts.upsertMode ?? 'atomic',
        shuffleResults: contacts.shuffleResults ?? true,
        emailMatching: contacts.emailMatching ?? 'lowercase',
        numberErrorCode: contacts.numberErrorCode ?? 'INVALID_NUMBER',
        legacyEmailUpsert: contacts.legacyEmailUpsert ?? false,
        validationErrors: contacts.validationErrors ?? 'all',
        extraTlds: new Set((contacts.extraTlds ?? []).map((tld) => tld.toLowerCase().replace(/^\./, ''))),
      },
      properties: {
        customPropertyLimit: options.properties?.customPropertyLimit ?? 1000,
        groupConflict: {
          status: options.properties?.groupConflict?.status ?? 409,
          category: options.properties?.groupConflict?.category ?? 'OBJECT_ALREADY_EXISTS',
          subCategory: options.properties?.groupConflict?.subCategory ?? 'PropertyGroupError.GROUP_ALREADY_EXISTS',
        },
      },
      webhooks: {
        retryDelaysMs: options.webhooks?.retryDelaysMs ?? [100, 200, 400, 800],
        timeoutMs: options.webhooks?.timeoutMs ?? 5000,
      },
      accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS,
      authCodeTtlMs: options.authCodeTtlMs ?? DEFAULT_AUTH_CODE_TTL_MS,
      tokenErrorBody: options.tokenErrorBody ?? 'live',
    };
    this.random = {
      correlation: createRandom(this.seed, 'correlation'),
      tokens: createRandom(this.seed, 'tokens'),
      shuffle: createRandom(this.seed, 'shuffle'),
      webhooks: createRandom(this.seed, 'webhooks'),
    };
    this.faults = new FaultInjector(createRandom(this.seed, 'faults'));
    this.log = new RequestLog(options.requestLogLimit ?? 2000);
    this.state = {
      apps: new Map(this.appConfigs.map((app, index) => [app.clientId, toAppState(app, index)])),
      portals: new Map(),
      installs: new Map(),
      authCodes: new Map(),
      refreshTokens: new Map(),
      accessTokens: new Map(),
    };
    this.seedPortals();
    if (options.faults) this.faults.set(options.faults);
  }

  now(): number {
    return this.clock.now();
  }

  iso(ms: number = this.now()): string {
    return new Date(ms).toISOString();
  }

  correlationId(): string {
    return this.random.correlation.uuid();
  }

  rateLimitFor(portal: PortalState): ResolvedRateLimit {
    return resolveRateLimit(this.options.rateLimit, portal.rateLimit);
  }

  /** Back to the configured start: portals re-seeded, contacts/properties/counters/log/faults cleared. */
  reset(keepInstalls = false): void {
    this.options.rateLimit = { ...this.initialRateLimit };
    this.seedPortals();
    this.counters.reset();
    this.limiter.reset();
    this.log.clear();
    this.faults.clear();
    if (!keepInstalls) {
      this.state.installs.clear();
      this.state.authCodes.clear();
      this.state.refreshTokens.clear();
      this.state.accessTokens.clear();
    }
  }

  private seedPortals(): void {
    this.state.portals.clear();
    for (const config of this.portalConfigs) this.state.portals.set(config.hubId, createPortalState(config));
  }
}

function assertUnique(values: string[], what: string): void {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) throw new Error(`duplicate ${what}: ${value}`);
    seen.add(value);
  }
}
