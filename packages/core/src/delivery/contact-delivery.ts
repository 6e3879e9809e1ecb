import type { ErrorDetails, HubSpotKitErrorCode } from '../errors.js';
import type { CrmApi, UpsertInput, UpsertResponse } from '../hubspot/crm-api.js';
import { HubSpotCallError } from '../hubspot/hubspot-call-error.js';
import type { Clock, Logger, Random, Sleep } from '../ports/ports.js';
import type { RequestLane } from './portal-rate-limiter.js';
import { DEFAULT_RETRY_POLICY, codeForFailure, decideRetry, detailsFromError, failureFromError, fullJitter, type RetryPolicyOptions } from '../retry/retry-policy.js';

/** Where delivery queues its calls: the portal's rate limiter. */
export interface RequestScheduler {
  schedule<T>(task: () => Promise<T>, signal?: AbortSignal, lane?: RequestLane): Promise<T>;
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
  /** When transient failures of this item began (epoch ms), for the retry horizon; null = none yet. */
  failingSince: number | null;
  /** A past result (backfill): its batches wait behind live ones unless they carry a live item too. */
  backfill?: boolean;
}

export interface DeliveryError {
  code: HubSpotKitErrorCode;
  /** Technical text for logs (never shown to an admin; the widget words `code` + `details`). */
  message: string;
  details: ErrorDetails;
}

/**
 * `uncertain`: a send of this item timed out or lost its connection, so HubSpot may still apply
 * that request later (after a newer one); the row is read back once that can no longer happen.
 */
export type DeliveryOutcome = DeliveryResult & { uncertain?: boolean };

type DeliveryResult =
  | { key: string; status: 'pushed'; contactId: string; created: boolean; attempts: number; correlationId: string | null }
  /** Transient failure; try again at `retryAt` (epoch ms). */
  | { key: string; status: 'retry'; error: DeliveryError; retryAt: number; attempts: number }
  /** Permanent: kept with its reason for the admin. */
  | { key: string; status: 'failed'; error: DeliveryError; attempts: number }
  /** A later item for the same email in this call replaced it (last write wins). */
  | { key: string; status: 'superseded'; supersededBy: string; attempts: number }
  /**
   * Not attempted, or not counted: the connection cannot be used now (must reconnect, missing
   * scopes, token endpoint down, shutting down). `retryAt` null = until someone acts.
   */
  | { key: string; status: 'held'; error: DeliveryError; retryAt: number | null; attempts: number };

/** What delivery needs to know about, and ask of, one connected portal. */
export interface PortalSession {
  portalId: number;
  limiter: RequestScheduler;
  /** A valid access token (the token keeper refreshes ahead of expiry). */
  accessToken(): Promise<string>;
  /** After a 401: refresh now. Throws `MUST_RECONNECT` when HubSpot refuses the refresh. */
  refreshAfterUnauthorized(refusedToken: string | null): Promise<string>;
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
  /** The retry policy's tuning (attempts per pass, backoff, horizon). */
  policy?: RetryPolicyOptions;
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
  /** Items a send of which timed out or lost its connection (HubSpot may apply it late). */
  uncertain: Set<string>;
}

/**
 * Upserts contacts by email in batches of at most 100 distinct emails and says, per item, what
 * happened. Results are matched by trace id or email, never by position (HubSpot shuffles them).
 * A batch HubSpot rejects whole for one bad input is narrowed down (from the error text where it
 * names the input, by halving otherwise) so every good input still lands.
 */
export function createContactDelivery(options: ContactDeliveryOptions) {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;

  async function deliver(session: PortalSession, items: DeliveryItem[], signal?: AbortSignal): Promise<DeliveryOutcome[]> {
    const context: Context = { session, signal, outcomes: new Map(), attempts: new Map(), refreshed: false, rebootstrapped: new WeakSet(), uncertain: new Set() };
    const latestByEmail = new Map<string, DeliveryItem>();
    for (const item of items) {
      context.attempts.set(item.key, item.attempts);
      const previous = latestByEmail.get(item.email);
      if (previous) context.outcomes.set(previous.key, { key: previous.key, status: 'superseded', supersededBy: item.key, attempts: previous.attempts });
      latestByEmail.set(item.email, item);
    }
    // Live items first: they fill the first batches, and backfill items ride along in the room left.
    const distinct = [...latestByEmail.values()].sort((a, b) => Number(a.backfill ?? false) - Number(b.backfill ?? false));
    const chunks: DeliveryItem[][] = [];
    for (let index = 0; index < distinct.length; index += MAX_BATCH_SIZE) chunks.push(distinct.slice(index, index + MAX_BATCH_SIZE));
    await Promise.all(chunks.map((chunk) => pushChunk(context, chunk)));
    return items.map((item) => {
      const outcome = context.outcomes.get(item.key)!;
      return context.uncertain.has(item.key) ? { ...outcome, uncertain: true } : outcome;
    });
  }

  function settle(context: Context, items: DeliveryItem[], outcome: (item: DeliveryItem, attempts: number) => DeliveryOutcome): void {
    for (const item of items) context.outcomes.set(item.key, outcome(item, context.attempts.get(item.key) ?? item.attempts));
  }

  async function pushChunk(context: Context, chunk: DeliveryItem[]): Promise<void> {
    for (;;) {
      if (context.signal?.aborted) {
        settle(context, chunk, (item, attempts) => ({ key: item.key, status: 'held', error: { code: 'SHUTTING_DOWN', message: 'Delivery stopped before this invite was sent', details: {} }, retryAt: options.clock.now(), attempts }));
        return;
      }
      if (context.session.claimForSend) {
        const held = await context.session.claimForSend(chunk.map((item) => item.key));
        const lost = chunk.filter((item) => !held.has(item.key));
        if (lost.length > 0) {
          settle(context, lost, (item, attempts) => ({ key: item.key, status: 'held', error: { code: 'LEASE_LOST', message: 'Another worker took over this invite', details: {} }, retryAt: options.clock.now(), attempts }));
          chunk = chunk.filter((item) => held.has(item.key));
          if (chunk.length === 0) return;
        }
      }
      for (const item of chunk) context.attempts.set(item.key, (context.attempts.get(item.key) ?? 0) + 1);
      let response: UpsertResponse;
      let usedToken: string | null = null;
      try {
        // The token is taken when the slot is ours, right before the send: a batch that waited
        // while another got a 401 then waits for that refresh instead of sending the refused token.
        const lane = chunk.every((item) => item.backfill === true) ? 'backfill' : 'live';
        const result = await context.session.limiter.schedule(
          async () => {
            usedToken = await context.session.accessToken();
            return options.crm.batchUpsertContacts(usedToken, chunk.map(toInput), { signal: context.signal });
          },
          context.signal,
          lane,
        );
        response = result.data;
      } catch (error) {
        const next = await handleFailure(context, chunk, error, usedToken);
        if (next === 'again') continue;
        return;
      }
      settleResults(context, chunk, response);
      return;
    }
  }

  /**
   * Acts on what the retry policy decides about a failed batch call. 'again' = re-send the same
   * chunk now (after a refresh or a re-bootstrap, neither of which counts as an attempt).
   */
  async function handleFailure(context: Context, chunk: DeliveryItem[], error: unknown, usedToken: string | null = null): Promise<'again' | 'done'> {
    const refund = () => {
      for (const item of chunk) context.attempts.set(item.key, (context.attempts.get(item.key) ?? 1) - 1);
    };
    const now = options.clock.now();
    // Stopped while waiting for a rate-limit slot (or mid-call): not attempted, nothing lost.
    const failure = context.signal?.aborted && !(error instanceof HubSpotCallError && error.kind === 'http') ? ({ kind: 'aborted' } as const) : failureFromError(error, now);
    if (failure === null) throw error;
    if (failure.kind === 'timeout' || failure.kind === 'network') for (const item of chunk) context.uncertain.add(item.key);
    const attempt = Math.max(...chunk.map((item) => (context.attempts.get(item.key) ?? 1) - item.attempts));
    const failingSince = chunk.reduce<number | null>((earliest, item) => (item.failingSince === null ? earliest : Math.min(earliest ?? item.failingSince, item.failingSince)), null);
    const step = decideRetry(failure, { attempt, maxWaitMs: options.maxInProcessWaitMs, refreshed: context.refreshed, rebootstrapped: context.rebootstrapped.has(chunk), queued: true, failingSince, now, random: options.random }, policy);
    const reason: DeliveryError = { code: step.code, message: error instanceof Error ? error.message : String(error), details: detailsFromError(error) };

    switch (step.action) {
      case 'hold':
        refund();
        settle(context, chunk, (item, attempts) => ({ key: item.key, status: 'held', error: reason, retryAt: step.delayMs === null ? null : now + step.delayMs, attempts }));
        return 'done';
      case 'refresh-token':
        // One 401 is not a revoke (HubSpot's own advice): refresh once, then try again. The
        // attempt is given back only when the chunk goes again; a refused refresh holds it (and
        // the hold gives it back).
        context.refreshed = true;
        try {
          await context.session.refreshAfterUnauthorized(usedToken);
        } catch (refreshError) {
          return handleFailure(context, chunk, refreshError).then(() => 'done' as const);
        }
        refund();
        return 'again';
      case 'rebootstrap':
        context.rebootstrapped.add(chunk);
        options.logger.warn('hubspot reports a missing jc_* property; re-running the bootstrap', { portalId: context.session.portalId });
        try {
          await context.session.rebootstrap();
        } catch (bootstrapError) {
          // The bootstrap itself met trouble (its own failure decides); the rows are not charged for it.
          return handleFailure(context, chunk, bootstrapError).then(() => 'done' as const);
        }
        refund();
        return 'again';
      case 'isolate':
        refund();
        await isolate(context, chunk, error as HubSpotCallError, reason);
        return 'done';
      case 'fail':
        settle(context, chunk, (item, attempts) => ({ key: item.key, status: 'failed', error: step.code === 'RETRIES_EXHAUSTED' ? { ...reason, details: { ...reason.details, lastCode: codeForFailure(failure) } } : reason, attempts }));
        return 'done';
      case 'retry-now':
        try {
          await options.sleep(step.delayMs, context.signal);
          await pushChunk(context, chunk);
          return 'done';
        } catch (sleepError) {
          if (!context.signal?.aborted) throw sleepError;
          refund();
          settle(context, chunk, (item, attempts) => ({ key: item.key, status: 'held', error: { code: 'SHUTTING_DOWN', message: 'Delivery stopped before this invite was sent', details: {} }, retryAt: now, attempts }));
          return 'done';
        }
      case 'retry-later':
        settle(context, chunk, (item, attempts) => ({ key: item.key, status: 'retry', error: reason, retryAt: now + step.delayMs, attempts }));
        return 'done';
    }
  }

  /** Finds the input(s) HubSpot rejected, fails only those, and re-sends the rest. */
  async function isolate(context: Context, chunk: DeliveryItem[], error: HubSpotCallError, failure: DeliveryError): Promise<void> {
    if (chunk.length === 1) {
      const item = chunk[0]!;
      const attempts = (context.attempts.get(item.key) ?? 0) + 1;
      context.attempts.set(item.key, attempts);
      context.outcomes.set(item.key, { key: item.key, status: 'failed', error: rejectionFor(error, item, failure), attempts });
      return;
    }
    const named = new Set(emailsNamedIn(error));
    const culprits = chunk.filter((item) => named.has(item.email));
    if (culprits.length > 0 && culprits.length < chunk.length) {
      for (const item of culprits) {
        const attempts = (context.attempts.get(item.key) ?? 0) + 1;
        context.attempts.set(item.key, attempts);
        context.outcomes.set(item.key, { key: item.key, status: 'failed', error: rejectionFor(error, item, failure), attempts });
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
          error: { code: 'HUBSPOT_REJECTED', message: entry.message ?? 'HubSpot rejected this contact', details: { email: item.email, hubspotMessage: entry.message, hubspotCategory: entry.category } },
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
        error: { code: 'HUBSPOT_NO_RESULT', message: 'HubSpot returned no result for this contact', details: { email: item.email } },
        retryAt: now + Math.max(1_000, fullJitter(context.attempts.get(item.key) ?? 1, options.random, policy.backoff)),
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

interface RefusedProperty {
  name: string;
  code: string | null;
  message: string | null;
}

/** The properties HubSpot's VALIDATION_ERROR names (in `errors[]`, or as JSON inside `message`). */
function refusedProperties(error: HubSpotCallError): RefusedProperty[] {
  const found: RefusedProperty[] = [];
  for (const entry of error.body?.errors ?? []) {
    const names = entry.context?.propertyName;
    if (Array.isArray(names)) for (const name of names) found.push({ name: String(name), code: entry.code ?? null, message: entry.message ?? null });
  }
  const embedded = /^Property values were not valid: (\[.*\])$/s.exec(error.body?.message ?? '');
  if (found.length === 0 && embedded) {
    try {
      const parsed = JSON.parse(embedded[1]!) as Array<{ name?: unknown; error?: unknown; message?: unknown }>;
      for (const entry of parsed) if (typeof entry.name === 'string') found.push({ name: entry.name, code: typeof entry.error === 'string' ? entry.error : null, message: typeof entry.message === 'string' ? entry.message : null });
    } catch {
      // Not the JSON HubSpot documents: fall through to the generic rejection.
    }
  }
  return found;
}

/**
 * What exactly HubSpot refused about one item, as a code and facts (the widget words them):
 * the email address, or a property and the value we sent, with HubSpot's own message kept verbatim.
 */
function rejectionFor(error: HubSpotCallError, item: DeliveryItem, fallback: DeliveryError): DeliveryError {
  const base = { ...fallback.details, email: item.email };
  const emailText = [error.body?.message ?? '', ...(error.body?.errors ?? []).map((entry) => entry.message ?? '')]
    .flatMap((text) => [...text.matchAll(EMAIL_IN_TEXT)].map((match) => match[0]))
    .find((text) => text.toLowerCase().includes(item.email));
  const refused = refusedProperties(error);
  const emailRefused = refused.find((entry) => entry.name === 'email' || entry.code === 'INVALID_EMAIL');
  if (emailText || emailRefused) {
    return { code: 'HUBSPOT_INVALID_EMAIL', message: emailText ?? emailRefused?.message ?? fallback.message, details: { ...base, property: 'email', value: item.email, hubspotMessage: emailText ?? emailRefused?.message ?? base.hubspotMessage } };
  }
  const property = refused.find((entry) => entry.code !== 'PROPERTY_DOESNT_EXIST');
  if (property) {
    return {
      code: 'HUBSPOT_INVALID_VALUE',
      message: property.message ?? fallback.message,
      details: { ...base, property: property.name, value: item.properties[property.name] ?? null, hubspotMessage: property.message ?? base.hubspotMessage, ...(property.code ? { hubspotCode: property.code } : {}) },
    };
  }
  return { ...fallback, details: base };
}
