import type { Attributes, BatchObservableCallback, MeterProvider, TracerProvider } from '@opentelemetry/api';
import type { Knex } from 'knex';
import type { DeliveryOutcome } from '../delivery/contact-delivery.js';
import type { Clock, Logger } from '../ports/ports.js';
import { INSTRUMENTATION_SCOPE, METRIC_NAMES } from './metric-names.js';
import { otel } from './otel-api.js';
import { createOutboxFigures, type OutboxFigures } from './outbox-figures.js';

/** One kind of HubSpot call: what a span and the response counters are labelled with. */
export interface HubSpotOperation {
  /** e.g. `contacts.batch.upsert`: the `operation` attribute of every figure. */
  name: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** The route template, e.g. `/crm/v3/objects/contacts/batch/upsert` (never a full URL: no ids, no query). */
  route: string;
}

export interface HubSpotCallStart {
  operation: HubSpotOperation;
  /** The portal the call is for, when the caller knows it (from the access token's connection). */
  portalId: number | null;
  /** Inputs in the request (batch calls). */
  size?: number;
  /**
   * Stable ids of what the call carries (the outbox row ids of an upsert): a row sent again counts
   * as a further attempt. Ids, never emails.
   */
  keys?: readonly string[];
}

export interface HubSpotCallEnd {
  /** HTTP status; null when no answer came (timeout, network, cancelled). */
  status: number | null;
  /** `timeout`, `network`, `aborted` when there was no answer. */
  errorKind: string | null;
  correlationId: string | null;
}

/** What crm-api's `call()` reports to: one span and the response figures per HubSpot call. */
export interface HubSpotCallTelemetry {
  startCall(start: HubSpotCallStart): { end(result: HubSpotCallEnd): void };
}

export type TokenRefreshOutcome = 'ok' | 'refused' | 'failed';

/** The figures of `integration.metrics()`: counters since this integration started, gauges now. */
export interface MetricsSnapshot {
  /** When this integration object started counting (ISO 8601). */
  since: string;
  /** When the snapshot was taken. */
  at: string;
  /** Rows by state and the oldest due row's lateness; null when the database could not be read. */
  outbox: OutboxFigures | null;
  invites: { pushed: number; retried: number };
  contacts: { created: number; updated: number };
  hubspot: {
    /** Responses by HTTP status (`"200"`, `"429"`, …) and calls with no answer by kind (`"timeout"`, `"network"`, `"aborted"`). */
    responses: Record<string, number>;
    /** 429 answers (also in `responses["429"]`). */
    rateLimited: number;
  };
  /** Outcomes that carried an error, by ERROR_CODES key (retries, failures and holds together). */
  errors: Record<string, number>;
  tokenRefreshes: Record<TokenRefreshOutcome, number>;
  /** The last figure the rate limiter reported for each portal. */
  portalBudgets: Array<{ portalId: number; inUse: number; max: number; at: string }>;
}

/** How a host points the figures somewhere; with none, the global OpenTelemetry API (a no-op until an SDK registers). */
export interface MetricsOptions {
  /** Default: `metrics.getMeterProvider()` of `@opentelemetry/api` (the SDK the host registered, or no-op). */
  meterProvider?: MeterProvider;
  /** Default: `trace.getTracerProvider()` of `@opentelemetry/api`. */
  tracerProvider?: TracerProvider;
  /** The outbox gauges read the database at most once per this many ms per process. Default 10 000. */
  outboxRefreshMs?: number;
}

export interface KitMetrics extends HubSpotCallTelemetry {
  /** Settled delivery outcomes (after their transaction committed). */
  recordOutcomes(outcomes: readonly DeliveryOutcome[]): void;
  recordTokenRefresh(outcome: TokenRefreshOutcome): void;
  /** The rate limiter's view of a portal's window: slots in use out of `max`. */
  recordBudget(portalId: number, inUse: number, max: number): void;
  snapshot(): Promise<MetricsSnapshot>;
  /** Stops observing (the gauges' callback); counters keep their values. */
  close(): void;
}

const DURATION_BUCKETS_S = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Bound on the attempt tracker and the budget table: one entry per row id / portal. */
const MAX_TRACKED = 10_000;

/**
 * The kit's figures, kept twice: as plain numbers for `integration.metrics()`, and through
 * `@opentelemetry/api` instruments for whatever SDK the host installed. Without an SDK the
 * instruments and the tracer are the API's no-ops, so the cost is a few additions per batch.
 */
export function createKitMetrics(options: MetricsOptions & { db: Knex; clock: Clock; logger: Logger }): KitMetrics {
  const meter = (options.meterProvider ?? otel.metrics.getMeterProvider()).getMeter(INSTRUMENTATION_SCOPE);
  const tracer = (options.tracerProvider ?? otel.trace.getTracerProvider()).getTracer(INSTRUMENTATION_SCOPE);
  const now = () => new Date(options.clock.now());
  const outboxRefreshMs = options.outboxRefreshMs ?? 10_000;
  const outbox = createOutboxFigures(options.db, now);
  const since = now().toISOString();

  const invitesPushed = meter.createCounter(METRIC_NAMES.invitesPushed, { unit: '{invite}', description: 'Invites written to HubSpot (outbox rows turned done)' });
  const invitesRetried = meter.createCounter(METRIC_NAMES.invitesRetried, { unit: '{invite}', description: 'Invites rescheduled by backoff after a transient failure' });
  const contactsWritten = meter.createCounter(METRIC_NAMES.contactsWritten, { unit: '{contact}', description: 'HubSpot contacts created or updated by an upsert' });
  const errors = meter.createCounter(METRIC_NAMES.errors, { unit: '{error}', description: 'Delivery outcomes that carried an error, by kit error code' });
  const responses = meter.createCounter(METRIC_NAMES.hubspotResponses, { unit: '{response}', description: 'HubSpot API calls by HTTP status (or error type when no answer came)' });
  const rateLimited = meter.createCounter(METRIC_NAMES.hubspotRateLimited, { unit: '{response}', description: 'HubSpot API calls answered 429 Too Many Requests' });
  const duration = meter.createHistogram(METRIC_NAMES.hubspotRequestDuration, {
    unit: 's',
    description: 'Duration of HubSpot API calls',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS_S },
  });
  const tokenRefreshes = meter.createCounter(METRIC_NAMES.tokenRefreshes, { unit: '{refresh}', description: 'HubSpot access token refreshes by outcome' });
  const outboxRows = meter.createObservableGauge(METRIC_NAMES.outboxRows, { unit: '{row}', description: 'Outbox rows by state' });
  const oldestDueAge = meter.createObservableGauge(METRIC_NAMES.outboxOldestDueAge, { unit: 's', description: 'How long the oldest due outbox row has waited past its due time' });
  const budgetInUse = meter.createObservableGauge(METRIC_NAMES.portalBudgetInUse, { unit: '{request}', description: "Request slots of the portal's rate window in use" });
  const budgetLimit = meter.createObservableGauge(METRIC_NAMES.portalBudgetLimit, { unit: '{request}', description: "The portal's request slots per rate window" });

  const counts = {
    pushed: 0,
    retried: 0,
    created: 0,
    updated: 0,
    rateLimited: 0,
    errors: new Map<string, number>(),
    responses: new Map<string, number>(),
    tokenRefreshes: { ok: 0, refused: 0, failed: 0 } as Record<TokenRefreshOutcome, number>,
  };
  const budgets = new Map<number, { inUse: number; max: number; at: string }>();
  const attempts = createAttemptTracker();
  const bump = (map: Map<string, number>, key: string, by = 1) => map.set(key, (map.get(key) ?? 0) + by);

  const observe: BatchObservableCallback = async (result) => {
    try {
      const figures = await outbox.read(outboxRefreshMs);
      for (const state of ['pending', 'held', 'failed', 'done'] as const) result.observe(outboxRows, figures[state], { state });
      result.observe(oldestDueAge, figures.oldestDueAgeSeconds);
    } catch (error) {
      options.logger.warn('metrics: could not read the outbox figures', { message: (error as Error).message });
    }
    for (const [portalId, budget] of budgets) {
      result.observe(budgetInUse, budget.inUse, { portal_id: portalId });
      result.observe(budgetLimit, budget.max, { portal_id: portalId });
    }
  };
  const observables = [outboxRows, oldestDueAge, budgetInUse, budgetLimit];
  meter.addBatchObservableCallback(observe, observables);

  return {
    startCall(start) {
      const startedAt = performance.now();
      const attempt = attempts.begin(start);
      const attributes: Attributes = {
        'http.request.method': start.operation.method,
        'url.template': start.operation.route,
        'jobcannon_hubspot.operation': start.operation.name,
        'jobcannon_hubspot.attempt': attempt,
      };
      if (start.portalId !== null) attributes['jobcannon_hubspot.portal_id'] = start.portalId;
      if (start.size !== undefined) attributes['jobcannon_hubspot.batch.size'] = start.size;
      const span = tracer.startSpan(`${start.operation.method} ${start.operation.route}`, { kind: otel.SpanKind.CLIENT, attributes });
      return {
        end(end) {
          const ok = end.status !== null && end.status < 400;
          attempts.end(start, ok);
          const outcome = end.status === null ? (end.errorKind ?? 'unknown') : String(end.status);
          bump(counts.responses, outcome);
          const figureAttributes: Attributes =
            end.status === null ? { operation: start.operation.name, 'error.type': outcome } : { operation: start.operation.name, 'http.response.status_code': end.status };
          responses.add(1, figureAttributes);
          duration.record((performance.now() - startedAt) / 1000, figureAttributes);
          if (end.status === 429) {
            counts.rateLimited += 1;
            rateLimited.add(1, { operation: start.operation.name });
          }
          if (span.isRecording()) {
            if (end.status !== null) span.setAttribute('http.response.status_code', end.status);
            if (end.correlationId) span.setAttribute('jobcannon_hubspot.correlation_id', end.correlationId);
            if (!ok) {
              span.setAttribute('error.type', outcome);
              span.setStatus({ code: otel.SpanStatusCode.ERROR });
            }
          }
          span.end();
        },
      };
    },

    recordOutcomes(outcomes) {
      let pushed = 0;
      let created = 0;
      let retried = 0;
      for (const outcome of outcomes) {
        if (outcome.status === 'pushed') {
          pushed += 1;
          if (outcome.created) created += 1;
        } else if (outcome.status === 'retry' || outcome.status === 'failed' || outcome.status === 'held') {
          if (outcome.status === 'retry') retried += 1;
          bump(counts.errors, outcome.error.code);
          errors.add(1, { code: outcome.error.code, outcome: outcome.status });
        }
      }
      const updated = pushed - created;
      counts.pushed += pushed;
      counts.created += created;
      counts.updated += updated;
      counts.retried += retried;
      if (pushed > 0) invitesPushed.add(pushed);
      if (created > 0) contactsWritten.add(created, { result: 'created' });
      if (updated > 0) contactsWritten.add(updated, { result: 'updated' });
      if (retried > 0) invitesRetried.add(retried);
    },

    recordTokenRefresh(outcome) {
      counts.tokenRefreshes[outcome] += 1;
      tokenRefreshes.add(1, { outcome });
    },

    recordBudget(portalId, inUse, max) {
      if (!budgets.has(portalId) && budgets.size >= MAX_TRACKED) budgets.delete(budgets.keys().next().value as number);
      budgets.set(portalId, { inUse, max, at: now().toISOString() });
    },

    async snapshot() {
      let figures: OutboxFigures | null = null;
      try {
        // An explicit ask reads the database now: "gauges now".
        figures = await outbox.read(0);
      } catch (error) {
        options.logger.warn('metrics: could not read the outbox figures', { message: (error as Error).message });
      }
      return {
        since,
        at: now().toISOString(),
        outbox: figures,
        invites: { pushed: counts.pushed, retried: counts.retried },
        contacts: { created: counts.created, updated: counts.updated },
        hubspot: { responses: Object.fromEntries(counts.responses), rateLimited: counts.rateLimited },
        errors: Object.fromEntries(counts.errors),
        tokenRefreshes: { ...counts.tokenRefreshes },
        portalBudgets: [...budgets].map(([portalId, budget]) => ({ portalId, ...budget })),
      };
    },

    close() {
      meter.removeBatchObservableCallback(observe, observables);
    },
  };
}

/**
 * The attempt number of a span, counted in this process (the outbox row's `attempts` column is the
 * durable count): an upsert is attempt 1 + the most times any of its rows was sent without success;
 * other calls count consecutive failures of the same operation on the same portal. Bounded.
 */
function createAttemptTracker() {
  const failures = new Map<string, number>();
  const keysOf = (start: HubSpotCallStart): readonly string[] => (start.keys && start.keys.length > 0 ? start.keys : [`${start.portalId ?? '?'}:${start.operation.name}`]);
  return {
    begin(start: HubSpotCallStart): number {
      let most = 0;
      for (const key of keysOf(start)) most = Math.max(most, failures.get(key) ?? 0);
      return most + 1;
    },
    end(start: HubSpotCallStart, ok: boolean): void {
      for (const key of keysOf(start)) {
        if (ok) failures.delete(key);
        else {
          const previous = failures.get(key) ?? 0;
          failures.delete(key);
          if (failures.size >= MAX_TRACKED) failures.delete(failures.keys().next().value as string);
          failures.set(key, previous + 1);
        }
      }
    },
  };
}
