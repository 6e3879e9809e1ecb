import type { Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeliveryOutcome } from '../delivery/contact-delivery.js';
import { silentLogger } from '../ports/ports.js';
import { createKitMetrics, type HubSpotOperation, type KitMetrics } from './kit-metrics.js';
import { METRIC_NAMES } from './metric-names.js';
import { createTestTelemetry, leakedAttributes, points, valueOf, type TestTelemetry } from './test-support/telemetry.js';

const UPSERT: HubSpotOperation = { name: 'contacts.batch.upsert', method: 'POST', route: '/crm/v3/objects/contacts/batch/upsert' };
const LIST: HubSpotOperation = { name: 'properties.list', method: 'GET', route: '/crm/v3/properties/contacts' };
const T0 = Date.UTC(2026, 4, 17, 12, 0, 0);

/** A knex stand-in answering the outbox query with fixed counts; counts the queries. */
function fakeDb(row: Record<string, unknown>) {
  const db = {
    queries: 0,
    async raw() {
      db.queries += 1;
      return { rows: [row] };
    },
  };
  return db;
}

const pushed = (key: string, created: boolean): DeliveryOutcome => ({ key, status: 'pushed', contactId: `c-${key}`, created, attempts: 1, correlationId: null });
const failedWith = (key: string, status: 'retry' | 'failed', code: 'HUBSPOT_RATE_LIMITED' | 'HUBSPOT_INVALID_EMAIL'): DeliveryOutcome =>
  status === 'retry'
    ? { key, status, error: { code, message: 'x', details: {} }, retryAt: T0 + 1_000, attempts: 2 }
    : { key, status, error: { code, message: 'x', details: {} }, attempts: 1 };

describe('kit metrics through an OpenTelemetry SDK', () => {
  let telemetry: TestTelemetry;
  let now: number;
  let db: ReturnType<typeof fakeDb>;
  let metrics: KitMetrics;

  beforeEach(() => {
    telemetry = createTestTelemetry();
    now = T0;
    db = fakeDb({ pending: '5', held: '2', failed: '1', done: '40', oldest_due: new Date(T0 - 90_000) });
    metrics = createKitMetrics({ db: db as unknown as Knex, clock: { now: () => now }, logger: silentLogger, meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider, outboxRefreshMs: 10_000 });
  });
  afterEach(async () => {
    metrics.close();
    await telemetry.shutdown();
  });

  it('counts pushes, contacts created and updated, retries and errors by code, and the snapshot says the same', async () => {
    metrics.recordOutcomes([pushed('1', true), pushed('2', false), pushed('3', true), failedWith('4', 'retry', 'HUBSPOT_RATE_LIMITED'), failedWith('5', 'failed', 'HUBSPOT_INVALID_EMAIL')]);
    metrics.recordOutcomes([{ key: '6', status: 'held', error: { code: 'MUST_RECONNECT', message: 'x', details: {} }, retryAt: null, attempts: 0 }]);

    const collected = await telemetry.collect();
    expect(valueOf(collected, METRIC_NAMES.invitesPushed)).toBe(3);
    expect(valueOf(collected, METRIC_NAMES.contactsWritten, { result: 'created' })).toBe(2);
    expect(valueOf(collected, METRIC_NAMES.contactsWritten, { result: 'updated' })).toBe(1);
    expect(valueOf(collected, METRIC_NAMES.invitesRetried)).toBe(1);
    expect(valueOf(collected, METRIC_NAMES.errors, { code: 'HUBSPOT_RATE_LIMITED', outcome: 'retry' })).toBe(1);
    expect(valueOf(collected, METRIC_NAMES.errors, { code: 'HUBSPOT_INVALID_EMAIL', outcome: 'failed' })).toBe(1);
    expect(valueOf(collected, METRIC_NAMES.errors, { code: 'MUST_RECONNECT', outcome: 'held' })).toBe(1);

    const snapshot = await metrics.snapshot();
    expect(snapshot).toMatchObject({
      invites: { pushed: 3, retried: 1 },
      contacts: { created: 2, updated: 1 },
      errors: { HUBSPOT_RATE_LIMITED: 1, HUBSPOT_INVALID_EMAIL: 1, MUST_RECONNECT: 1 },
    });
  });

  it('counts responses by status with 429 apart, and records one span per call with portal, operation, status and attempt', async () => {
    metrics.startCall({ operation: UPSERT, portalId: 1001, size: 2, keys: ['11', '12'] }).end({ status: 429, errorKind: null, correlationId: 'corr-1' });
    metrics.startCall({ operation: UPSERT, portalId: 1001, size: 2, keys: ['11', '12'] }).end({ status: 200, errorKind: null, correlationId: 'corr-2' });
    metrics.startCall({ operation: LIST, portalId: 1001 }).end({ status: null, errorKind: 'timeout', correlationId: null });

    const collected = await telemetry.collect();
    expect(valueOf(collected, METRIC_NAMES.hubspotResponses, { 'http.response.status_code': 429, operation: UPSERT.name })).toBe(1);
    expect(valueOf(collected, METRIC_NAMES.hubspotResponses, { 'http.response.status_code': 200 })).toBe(1);
    expect(valueOf(collected, METRIC_NAMES.hubspotResponses, { 'error.type': 'timeout', operation: LIST.name })).toBe(1);
    expect(valueOf(collected, METRIC_NAMES.hubspotRateLimited)).toBe(1);
    expect(valueOf(collected, METRIC_NAMES.hubspotRequestDuration)).toBe(3);

    const spans = telemetry.spans();
    expect(spans.map((span) => span.name)).toEqual(['POST /crm/v3/objects/contacts/batch/upsert', 'POST /crm/v3/objects/contacts/batch/upsert', 'GET /crm/v3/properties/contacts']);
    expect(spans[0]!.attributes).toMatchObject({
      'jobcannon_hubspot.portal_id': 1001,
      'jobcannon_hubspot.operation': 'contacts.batch.upsert',
      'url.template': '/crm/v3/objects/contacts/batch/upsert',
      'http.request.method': 'POST',
      'http.response.status_code': 429,
      'jobcannon_hubspot.attempt': 1,
      'jobcannon_hubspot.batch.size': 2,
      'error.type': '429',
    });
    // The same rows sent again after the 429: the second attempt.
    expect(spans[1]!.attributes).toMatchObject({ 'http.response.status_code': 200, 'jobcannon_hubspot.attempt': 2, 'jobcannon_hubspot.correlation_id': 'corr-2' });
    expect(spans[1]!.status.code).toBe(0);
    expect(spans[2]!.attributes).toMatchObject({ 'error.type': 'timeout', 'jobcannon_hubspot.attempt': 1 });
    expect(spans[2]!.status.code).toBe(2);

    expect((await metrics.snapshot()).hubspot).toEqual({ responses: { '200': 1, '429': 1, timeout: 1 }, rateLimited: 1 });
  });

  it('starts over at attempt 1 once the rows went through', () => {
    const send = (status: number) => metrics.startCall({ operation: UPSERT, portalId: 7, keys: ['a'] }).end({ status, errorKind: null, correlationId: null });
    send(503);
    send(503);
    send(200);
    send(200);
    expect(telemetry.spans().map((span) => span.attributes['jobcannon_hubspot.attempt'])).toEqual([1, 2, 3, 1]);
  });

  it('observes the outbox by state and the oldest due age, reading the database at most once per refresh interval', async () => {
    const first = await telemetry.collect();
    expect(Object.fromEntries(points(first, METRIC_NAMES.outboxRows).map((point) => [point.attributes.state, point.value]))).toEqual({ pending: 5, held: 2, failed: 1, done: 40 });
    expect(valueOf(first, METRIC_NAMES.outboxOldestDueAge)).toBe(90);
    expect(db.queries).toBe(1);

    await telemetry.collect();
    expect(db.queries).toBe(1);
    now += 10_001;
    await telemetry.collect();
    expect(db.queries).toBe(2);

    // metrics() reads now, whatever the cache holds.
    const snapshot = await metrics.snapshot();
    expect(db.queries).toBe(3);
    expect(snapshot.outbox).toMatchObject({ pending: 5, held: 2, failed: 1, done: 40, oldestDueAgeSeconds: 100.001 });
  });

  it('reports 0 for the oldest due age when nothing is due', async () => {
    db = fakeDb({ pending: '3', held: '0', failed: '0', done: '0', oldest_due: null });
    const quiet = createKitMetrics({ db: db as unknown as Knex, clock: { now: () => now }, logger: silentLogger, meterProvider: telemetry.meterProvider });
    metrics.close();
    expect((await quiet.snapshot()).outbox).toMatchObject({ pending: 3, oldestDueAgeSeconds: 0 });
    metrics = quiet;
  });

  it('counts token refreshes by outcome', async () => {
    metrics.recordTokenRefresh('ok');
    metrics.recordTokenRefresh('ok');
    metrics.recordTokenRefresh('refused');
    metrics.recordTokenRefresh('failed');
    const collected = await telemetry.collect();
    expect(valueOf(collected, METRIC_NAMES.tokenRefreshes, { outcome: 'ok' })).toBe(2);
    expect(valueOf(collected, METRIC_NAMES.tokenRefreshes, { outcome: 'refused' })).toBe(1);
    expect(valueOf(collected, METRIC_NAMES.tokenRefreshes, { outcome: 'failed' })).toBe(1);
    expect((await metrics.snapshot()).tokenRefreshes).toEqual({ ok: 2, refused: 1, failed: 1 });
  });

  it('observes the last budget figure of each portal', async () => {
    metrics.recordBudget(1001, 30, 100);
    metrics.recordBudget(1001, 42, 100);
    metrics.recordBudget(2002, 1, 190);
    const collected = await telemetry.collect();
    expect(valueOf(collected, METRIC_NAMES.portalBudgetInUse, { portal_id: 1001 })).toBe(42);
    expect(valueOf(collected, METRIC_NAMES.portalBudgetLimit, { portal_id: 2002 })).toBe(190);
    expect((await metrics.snapshot()).portalBudgets.map(({ portalId, inUse, max }) => ({ portalId, inUse, max }))).toEqual([
      { portalId: 1001, inUse: 42, max: 100 },
      { portalId: 2002, inUse: 1, max: 190 },
    ]);
  });

  it('stops observing after close (no query), and keeps the instruments described with units', async () => {
    const collected = await telemetry.collect();
    const rows = collected.find((metric) => metric.descriptor.name === METRIC_NAMES.outboxRows)!;
    expect(rows.descriptor).toMatchObject({ unit: '{row}', description: 'Outbox rows by state' });
    expect(collected.find((metric) => metric.descriptor.name === METRIC_NAMES.outboxOldestDueAge)!.descriptor.unit).toBe('s');
    metrics.close();
    const queries = db.queries;
    now += 60_000;
    await telemetry.collect();
    expect(db.queries).toBe(queries);
  });

  it('never puts an email or a token into a span attribute', () => {
    // The kit hands telemetry ids and counts only; this guards the shape of what it records.
    metrics.startCall({ operation: UPSERT, portalId: 1001, size: 1, keys: ['123'] }).end({ status: 400, errorKind: null, correlationId: 'c' });
    expect(leakedAttributes(telemetry.spans(), [])).toEqual([]);
    expect(leakedAttributes([{ ...telemetry.spans()[0]!, attributes: { oops: 'a@b.example' } } as never], [])).toHaveLength(1);
  });
});

describe('kit metrics without an SDK', () => {
  it('runs on the API no-ops and still answers the snapshot', async () => {
    const db = fakeDb({ pending: 0, held: 0, failed: 0, done: 0, oldest_due: null });
    const metrics = createKitMetrics({ db: db as unknown as Knex, clock: { now: () => T0 }, logger: silentLogger });
    metrics.startCall({ operation: UPSERT, portalId: 1, keys: ['1'] }).end({ status: 200, errorKind: null, correlationId: null });
    metrics.recordOutcomes([pushed('1', true)]);
    expect(await metrics.snapshot()).toMatchObject({ invites: { pushed: 1 }, contacts: { created: 1, updated: 0 }, hubspot: { responses: { '200': 1 } } });
    metrics.close();
  });

  it('answers the snapshot with outbox null when the database cannot be read', async () => {
    const warnings: string[] = [];
    const db = { raw: async () => Promise.reject(new Error('connection refused')) };
    const metrics = createKitMetrics({ db: db as unknown as Knex, clock: { now: () => T0 }, logger: { ...silentLogger, warn: (message) => warnings.push(message) } });
    expect((await metrics.snapshot()).outbox).toBeNull();
    expect(warnings).toEqual(['metrics: could not read the outbox figures']);
    metrics.close();
  });
});
