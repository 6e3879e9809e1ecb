import { HubSpotKitError, isHubSpotKitError } from '../errors.js';
import type { CrmApi, UpsertInput, UpsertResponse } from '../hubspot/crm-api.js';
import { HubSpotCallError } from '../hubspot/hubspot-call-error.js';
import type { Clock, Logger, Random, Sleep } from '../ports/ports.js';
import { DEFAULT_BACKOFF, retryDelay, type BackoffOptions } from './backoff.js';

/** Where delivery queues its calls: the portal's rate limiter. */
export interface RequestScheduler {
  schedule<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

/** HubSpot's hard cap on inputs per batch request. */
export const MAX_BATCH_SIZE = 100;

export interface DeliveryItem {
  /** The caller's id for this item (an outbox row id); sent as `objectWriteTraceId`. */
  key: string;
  /** Normalised email: the identity HubSpot upserts on. */
  email: string;
  /** The 17 `jc_*` values. `email` is added on the wire. */
  properties: Record<string, string>;
  /** Attempts already spent on this item (from earlier runs). */
  attempts: number;
}

export interface DeliveryError {
  code: string;
  message: string;
  correlationId?: string | null;
}

export type DeliveryOutcome =
  | { key: string; status: 'pushed'; contactId: string; created: boolean; attempts: number; correlationId: string | null }
  /** Transient failure; try again at `retryAt` (epoch ms). */
  | { key: string; status: 'retry'; error: DeliveryError; retryAt: number; attempts: number }
  /** Permanent: kept with its reason for the admin. */
  | { key: string; status: 'failed'; error: DeliveryError; attempts: number }
  /** A later item for the same email in this call replaced it (last write wins). */
  | { key: string; status: 'superseded'; supersededBy: string; attempts: number }
  /** Not attempted: the connection itself cannot be used (must reconnect, missing scopes, shutting down). */
  | { key: string; status: 'held'; error: DeliveryError; attempts: number };

/** What delivery needs to know about, and ask of, one connected portal. */
export interface PortalSession {
  portalId: number;
  limiter: RequestScheduler;
  /** A valid access token (the token keeper refreshes ahead of expiry). */
  accessToken(): Promise<string>;
  /** After a 401: refresh now. Throws `MUST_RECONNECT` when HubSpot refuses the refresh. */
  refreshAfterUnauthorized(): Promise<string>;
  /**
   * Re-creates missing properties (a customer deleted one). Every chunk that meets the missing
   * property calls it; the session runs one bootstrap for all of them.
   */
  rebootstrap(): Promise<void>;
  /**
   * Called before every send: renews the caller's hold on these items and returns the keys it
   * still holds. Items it lost (a lease lapsed while HubSpot hung) are not sent.
   */
  claimForSend?(keys: string[]): Promise<Set<string>>;
}

export interface ContactDeliveryOptions {
  crm: CrmApi;
  clock: Clock;
  sleep: Sleep;
  random: Random;
  logger: Logger;
  /** Attempts per item before it is failed (the setup doc: 6). */
  maxAttempts: number;
  backoff?: BackoffOptions;
  /**
   * Retries whose delay is at most this long wait in-process (low latency for a blip); longer
   * delays are handed back as `retry` outcomes for the durable queue to schedule.
   */
  maxInProcessWaitMs: number;
}

interface Context {
  session: PortalSession;
  signal?: AbortSignal;
  outcomes: Map<string, DeliveryOutcome>;
  attempts: Map<string, number>;
  refreshed: boolean;
  /** Chunks that already waited for a re-bootstrap after HubSpot said a property is missing. */
  rebootstrapped: WeakSet<DeliveryItem[]>;
}

/**
 * Upserts contacts by email in batches of at most 100 distinct emails and says, per item, what
 * happened. Results are matched by trace id or email, never by position (HubSpot shuffles them).
 * A batch HubSpot rejects whole for one bad input is narrowed down (from the error text where it
 * names the input, by halving otherwise) so every good input still lands.
 */
export function createContactDelivery(options: ContactDeliveryOptions) {
  const backoff = options.backoff ?? DEFAULT_BACKOFF;

  async function deliver(session: PortalSession, items: DeliveryItem[], signal?: AbortSignal): Promise<DeliveryOutcome[]> {
    const context: Context = { session, signal, outcomes: new Map(), attempts: new Map(), refreshed: false, rebootstrapped: new WeakSet() };
    const latestByEmail = new Map<string, DeliveryItem>();
    for (const item of items) {
      context.attempts.set(item.key, item.attempts);
      const previous = latestByEmail.get(item.email);
      if (previous) context.outcomes.set(previous.key, { key: previous.key, status: 'superseded', supersededBy: item.key, attempts: previous.attempts });
      latestByEmail.set(item.email, item);
    }
    const distinct = [...latestByEmail.values()];
    const chunks: DeliveryItem[][] = [];
    for (let index = 0; index < distinct.length; index += MAX_BATCH_SIZE) chunks.push(distinct.slice(index, index + MAX_BATCH_SIZE));
    await Promise.all(chunks.map((chunk) => pushChunk(context, chunk)));
    return items.map((item) => context.outcomes.get(item.key)!);
  }

  function settle(context: Context, items: DeliveryItem[], outcome: (item: DeliveryItem, attempts: number) => DeliveryOutcome): void {
    for (const item of items) context.outcomes.set(item.key, outcome(item, context.attempts.get(item.key) ?? item.attempts));
  }

  async function pushChunk(context: Context, chunk: DeliveryItem[]): Promise<void> {
    for (;;) {
      if (context.signal?.aborted) {
        settle(context, chunk, (item, attempts) => ({ key: item.key, status: 'held', error: { code: 'SHUTTING_DOWN', message: 'Delivery stopped before this invite was sent' }, attempts }));
        return;
      }
      if (context.session.claimForSend) {
        const held = await context.session.claimForSend(chunk.map((item) => item.key));
        const lost = chunk.filter((item) => !held.has(item.key));
        if (lost.length > 0) {
          settle(context, lost, (item, attempts) => ({ key: item.key, status: 'held', error: { code: 'LEASE_LOST', message: 'Another worker took over this invite' }, attempts }));
          chunk = chunk.filter((item) => held.has(item.key));
          if (chunk.length === 0) return;
        }
      }
      for (const item of chunk) context.attempts.set(item.key, (context.attempts.get(item.key) ?? 0) + 1);
      let response: UpsertResponse;
      try {
        const token = await context.session.accessToken();
        const result = await context.session.limiter.schedule(() => options.crm.batchUpsertContacts(token, chunk.map(toInput), { signal: context.signal }), context.signal);
        response = result.data;
      } catch (error) {
        const next = await handleFailure(context, chunk, error);
        if (next === 'again') continue;
        return;
      }
      settleResults(context, chunk, response);
      return;
    }
  }

  /** Decides what a failed batch call means. 'again' = re-send the same chunk now. */
  async function handleFailure(context: Context, chunk: DeliveryItem[], error: unknown): Promise<'again' | 'done'> {
    const refund = () => {
      for (const item of chunk) context.attempts.set(item.key, (context.attempts.get(item.key) ?? 1) - 1);
    };
    if (isHubSpotKitError(error, 'MUST_RECONNECT') || (error instanceof HubSpotKitError && error.code === 'TOKEN_REFRESH_FAILED')) {
      refund();
      settle(context, chunk, (item, attempts) => ({ key: item.key, status: 'held', error: { code: error.code, message: error.message }, attempts }));
      return 'done';
    }
    if (context.signal?.aborted && !(error instanceof HubSpotCallError && error.kind !== 'aborted')) {
      // Stopped while waiting for a rate-limit slot (or mid-call): not attempted, nothing lost.
      refund();
      settle(context, chunk, (item, attempts) => ({ key: item.key, status: 'held', error: { code: 'SHUTTING_DOWN', message: 'Delivery stopped before this invite was sent' }, attempts }));
      return 'done';
    }
    if (!(error instanceof HubSpotCallError)) throw error;
    const failure: DeliveryError = { code: failureCode(error), message: error.message, correlationId: error.correlationId };

    if (error.kind === 'aborted') {
      refund();
      settle(context, chunk, (item, attempts) => ({ key: item.key, status: 'held', error: failure, attempts }));
      return 'done';
    }
    if (error.status === 401 && !context.refreshed) {
      // One 401 is not a revoke (HubSpot's own advice): refresh once, then try again.
      refund();
      context.refreshed = true;
      try {
        await context.session.refreshAfterUnauthorized();
      } catch (refreshError) {
        if (refreshError instanceof HubSpotKitError) {
          settle(context, chunk, (item, attempts) => ({ key: item.key, status: 'held', error: { code: refreshError.code, message: refreshError.message }, attempts }));
          return 'done';
        }
        throw refreshError;
      }
      return 'again';
    }
    if (error.status === 403) {
      refund();
      settle(context, chunk, (item, attempts) => ({ key: item.key, status: 'held', error: failure, attempts }));
      return 'done';
    }
    const unknownProperty = error.status === 400 && isUnknownProperty(error);
    if (unknownProperty && !context.rebootstrapped.has(chunk)) {
      refund();
      context.rebootstrapped.add(chunk);
      options.logger.warn('hubspot reports a missing jc_* property; re-running the bootstrap', { portalId: context.session.portalId, message: error.message });
      await context.session.rebootstrap();
      return 'again';
    }
    // Still missing after a re-bootstrap: a new property takes HubSpot a moment to accept writes,
    // so this is transient (the path below), never a reason to fail the invites in the batch.
    if (!unknownProperty && error.status !== null && error.status >= 400 && error.status < 500 && !error.retryable && error.status !== 401) {
      refund();
      await isolate(context, chunk, error, failure);
      return 'done';
    }
    // Transient (429, 5xx, 423, 477, timeout, reset) or a second 401.
    const attempt = Math.max(...chunk.map((item) => context.attempts.get(item.key) ?? 1));
    const exhausted = chunk.filter((item) => (context.attempts.get(item.key) ?? 0) >= options.maxAttempts);
    if (exhausted.length > 0) {
      settle(context, exhausted, (item, attempts) => ({
        key: item.key,
        status: 'failed',
        error: { code: 'RETRIES_EXHAUSTED', message: `Gave up after ${attempts} attempts; last error: ${failure.message}`, correlationId: failure.correlationId },
        attempts,
      }));
      chunk = chunk.filter((item) => !exhausted.includes(item));
      if (chunk.length === 0) return 'done';
    }
    const now = options.clock.now();
    const delay = retryDelay({
      attempt,
      random: options.random,
      backoff,
      retryAfterMs: error.retryAfterMs(now),
      minimumMs: error.status === 423 ? 2_000 : error.status === 429 ? 1_000 : 0,
    });
    if (delay <= options.maxInProcessWaitMs && !context.signal?.aborted) {
      try {
        await options.sleep(delay, context.signal);
        await pushChunk(context, chunk);
        return 'done';
      } catch (sleepError) {
        if (!context.signal?.aborted) throw sleepError;
      }
    }
    settle(context, chunk, (item, attempts) => ({ key: item.key, status: 'retry', error: failure, retryAt: now + delay, attempts }));
    return 'done';
  }

  /** Finds the input(s) HubSpot rejected, fails only those, and re-sends the rest. */
  async function isolate(context: Context, chunk: DeliveryItem[], error: HubSpotCallError, failure: DeliveryError): Promise<void> {
    if (chunk.length === 1) {
      const item = chunk[0]!;
      const attempts = (context.attempts.get(item.key) ?? 0) + 1;
      context.attempts.set(item.key, attempts);
      context.outcomes.set(item.key, { key: item.key, status: 'failed', error: failure, attempts });
      return;
    }
    const named = new Set(emailsNamedIn(error));
    const culprits = chunk.filter((item) => named.has(item.email));
    if (culprits.length > 0 && culprits.length < chunk.length) {
      for (const item of culprits) {
        const attempts = (context.attempts.get(item.key) ?? 0) + 1;
        context.attempts.set(item.key, attempts);
        context.outcomes.set(item.key, { key: item.key, status: 'failed', error: { ...failure, message: messageFor(error, item.email) }, attempts });
      }
      await pushChunk(context, chunk.filter((item) => !named.has(item.email)));
      return;
    }
    const middle = Math.ceil(chunk.length / 2);
    await Promise.all([pushChunk(context, chunk.slice(0, middle)), pushChunk(context, chunk.slice(middle))]);
  }

  function settleResults(context: Context, chunk: DeliveryItem[], response: UpsertResponse): void {
    const byKey = new Map(chunk.map((item) => [item.key, item]));
    const byEmail = new Map(chunk.map((item) => [item.email, item]));
    const seen = new Set<string>();
    for (const result of response.results ?? []) {
      const item =
        (result.objectWriteTraceId ? byKey.get(result.objectWriteTraceId) : undefined) ??
        byEmail.get(String(result.properties?.email ?? '').trim().toLowerCase());
      if (!item) continue;
      seen.add(item.key);
      context.outcomes.set(item.key, {
        key: item.key,
        status: 'pushed',
        contactId: String(result.id),
        created: (result._new ?? result.new) === true,
        attempts: context.attempts.get(item.key) ?? 1,
        correlationId: null,
      });
    }
    for (const entry of response.errors ?? []) {
      const traceIds = entry.context?.objectWriteTraceId ?? [];
      for (const traceId of traceIds) {
        const item = byKey.get(traceId);
        if (!item || seen.has(item.key)) continue;
        seen.add(item.key);
        context.outcomes.set(item.key, {
          key: item.key,
          status: 'failed',
          error: { code: entry.category ?? 'VALIDATION_ERROR', message: entry.message ?? 'HubSpot rejected this contact' },
          attempts: context.attempts.get(item.key) ?? 1,
        });
      }
    }
    const now = options.clock.now();
    for (const item of chunk) {
      if (seen.has(item.key)) continue;
      // HubSpot answered without this input (should not happen); upserts are idempotent, so retry.
      context.outcomes.set(item.key, {
        key: item.key,
        status: 'retry',
        error: { code: 'NO_RESULT', message: 'HubSpot returned no result for this contact' },
        retryAt: now + retryDelay({ attempt: context.attempts.get(item.key) ?? 1, random: options.random, backoff }),
        attempts: context.attempts.get(item.key) ?? 1,
      });
    }
  }

  return { deliver };
}

export type ContactDelivery = ReturnType<typeof createContactDelivery>;

function toInput(item: DeliveryItem): UpsertInput {
  return { id: item.email, idProperty: 'email', objectWriteTraceId: item.key, properties: { ...item.properties, email: item.email } };
}

function failureCode(error: HubSpotCallError): string {
  if (error.kind === 'timeout') return 'HUBSPOT_TIMEOUT';
  if (error.kind === 'network') return 'HUBSPOT_UNREACHABLE';
  if (error.status === 429) return 'HUBSPOT_RATE_LIMITED';
  if (error.status === 401) return 'HUBSPOT_UNAUTHORIZED';
  if (error.status === 403) return error.category === 'MISSING_SCOPES' ? 'MISSING_SCOPES' : 'HUBSPOT_FORBIDDEN';
  if (error.status !== null && error.status >= 500) return 'HUBSPOT_UNAVAILABLE';
  if (error.status === 423) return 'HUBSPOT_LOCKED';
  if (isUnknownProperty(error)) return 'PROPERTIES_MISSING';
  return error.category ?? `HUBSPOT_HTTP_${error.status ?? 'ERROR'}`;
}

function isUnknownProperty(error: HubSpotCallError): boolean {
  if (error.body?.errors?.some((entry) => entry.code === 'PROPERTY_DOESNT_EXIST')) return true;
  return /PROPERTY_DOESNT_EXIST/.test(error.body?.message ?? '');
}

const EMAIL_IN_TEXT = /Email address (\S+) is invalid/gi;

/** Emails HubSpot's validation error names (INVALID_EMAIL messages, duplicate-id context). */
function emailsNamedIn(error: HubSpotCallError): string[] {
  const found: string[] = [];
  const texts = [error.body?.message ?? '', ...(error.body?.errors ?? []).map((entry) => entry.message ?? '')];
  for (const text of texts) for (const match of text.matchAll(EMAIL_IN_TEXT)) found.push(match[1]!.replace(/[.,;"\\]+$/, '').trim().toLowerCase());
  const ids = error.body?.context?.ids;
  if (Array.isArray(ids)) found.push(...ids.map((id) => String(id).trim().toLowerCase()));
  return found;
}

function messageFor(error: HubSpotCallError, email: string): string {
  const specific = [error.body?.message ?? '', ...(error.body?.errors ?? []).map((entry) => entry.message ?? '')]
    .flatMap((text) => [...text.matchAll(EMAIL_IN_TEXT)].map((match) => match[0]))
    .find((text) => text.toLowerCase().includes(email));
  return specific ? `HubSpot rejected the contact: ${specific}` : error.message;
}
