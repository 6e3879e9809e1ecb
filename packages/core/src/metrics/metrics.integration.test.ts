// A push against the emulator over HTTP, on PostgreSQL, with an OpenTelemetry SDK (in-memory
// exporters) and a capturing logger: the counters move, a span per HubSpot call names the portal,
// and nothing recorded or logged at info carries a token or a candidate's email.
import type { Emulator } from '@jobcannon/hubspot-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubSpotIntegration } from '../integration/types.js';
import type { LogFields, Logger } from '../ports/ports.js';
import { completedInvite, connectOrg, createMovableClock, createTestIntegration, startTestEmulator, type MovableClock } from '../test-support/integration-harness.js';
import { createPostgresTestDatabase, type PostgresTestDatabase } from '../test-support/test-databases.js';
import { METRIC_NAMES } from './metric-names.js';
import { createTestTelemetry, leakedAttributes, valueOf, type TestTelemetry } from './test-support/telemetry.js';

const HUB = 1001;
const ACCESS_TOKEN_LIFETIME_MS = 30 * 60_000;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/;

describe('metrics and traces of a push against the emulator', () => {
  let database: PostgresTestDatabase;
  let emulator: Emulator;
  let integration: HubSpotIntegration;
  let telemetry: TestTelemetry;
  let clock: MovableClock;
  const logged: Array<{ level: string; line: string }> = [];
  const orgId = 'org-metrics-1';

  const capture = (level: string) => (message: string, fields?: LogFields) => logged.push({ level, line: `${message} ${JSON.stringify(fields ?? {})}` });
  const logger: Logger = { debug: capture('debug'), info: capture('info'), warn: capture('warn'), error: capture('error') };

  beforeAll(async () => {
    database = await createPostgresTestDatabase('metrics');
    emulator = await startTestEmulator({ rateLimit: { max: 1_000 } });
    telemetry = createTestTelemetry();
    clock = createMovableClock();
    integration = createTestIntegration(database.db, emulator, {
      clock,
      logger,
      retry: { baseDelayMs: 20, maxDelayMs: 200 },
      metrics: { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider },
    });
    await integration.migrate();
    const connected = await connectOrg(integration, emulator, { orgId, hubId: HUB });
    expect(connected.bootstrap.ok).toBe(true);

    // Three new contacts, one 429 on the way; then one of them again (an update) after the
    // stored access token came due, so the token is refreshed first.
    emulator.setFaults([{ route: 'contacts.batchUpsert', kind: 429, times: 1 }]);
    for (let index = 0; index < 3; index += 1) await integration.enqueue(completedInvite(orgId, index));
    expect(await integration.drain()).toMatchObject({ pushed: 3, failed: 0 });
    clock.advance(ACCESS_TOKEN_LIFETIME_MS);
    const later = new Date(clock.now()).toISOString();
    await integration.enqueue(completedInvite(orgId, 0, { updatedAt: later, completedAt: later }));
    expect(await integration.drain()).toMatchObject({ pushed: 1 });
  });

  afterAll(async () => {
    await integration?.close();
    await telemetry?.shutdown();
    await emulator?.close();
    await database?.drop();
  });

  it('counts the pushes, the contacts created and updated, the 429 and the token refresh', async () => {
    const collected = await telemetry.collect();
    expect(valueOf(collected, METRIC_NAMES.invitesPushed)).toBe(4);
    expect(valueOf(collected, METRIC_NAMES.contactsWritten, { result: 'created' })).toBe(3);
    expect(valueOf(collected, METRIC_NAMES.contactsWritten, { result: 'updated' })).toBe(1);
    expect(valueOf(collected, METRIC_NAMES.hubspotRateLimited, { operation: 'contacts.batch.upsert' })).toBe(1);
    expect(valueOf(collected, METRIC_NAMES.hubspotResponses, { operation: 'contacts.batch.upsert', 'http.response.status_code': 429 })).toBe(1);
    expect(valueOf(collected, METRIC_NAMES.hubspotResponses, { operation: 'contacts.batch.upsert', 'http.response.status_code': 200 })).toBe(2);
    expect(valueOf(collected, METRIC_NAMES.tokenRefreshes, { outcome: 'ok' })).toBe(1);
    expect(valueOf(collected, METRIC_NAMES.outboxRows, { state: 'done' })).toBe(3);
    expect(valueOf(collected, METRIC_NAMES.outboxRows, { state: 'pending' })).toBe(0);
  });

  it('answers the same figures from integration.metrics()', async () => {
    const snapshot = await integration.metrics();
    expect(snapshot).toMatchObject({
      outbox: { pending: 0, held: 0, failed: 0, done: 3, oldestDueAgeSeconds: 0 },
      invites: { pushed: 4 },
      contacts: { created: 3, updated: 1 },
      hubspot: { rateLimited: 1 },
      tokenRefreshes: { ok: 1, refused: 0, failed: 0 },
    });
    expect(snapshot.hubspot.responses['429']).toBe(1);
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
  });

  it('records a span per HubSpot call, naming the portal, the operation, the status and the attempt', () => {
    const upserts = telemetry.spans().filter((span) => span.attributes['jobcannon_hubspot.operation'] === 'contacts.batch.upsert');
    expect(upserts.map((span) => [span.attributes['http.response.status_code'], span.attributes['jobcannon_hubspot.attempt']])).toEqual([
      [429, 1],
      [200, 2],
      [200, 1],
    ]);
    for (const span of upserts) {
      expect(span.name).toBe('POST /crm/v3/objects/contacts/batch/upsert');
      expect(span.attributes['jobcannon_hubspot.portal_id']).toBe(HUB);
    }
    // The bootstrap's calls have spans too.
    expect(telemetry.spans().some((span) => span.attributes['jobcannon_hubspot.operation'] === 'properties.list')).toBe(true);
  });

  it('puts no email, bearer token or access token into any span attribute', () => {
    const tokens = [...emulator.state.accessTokens.keys()];
    expect(tokens.length).toBeGreaterThan(0);
    expect(leakedAttributes(telemetry.spans(), tokens)).toEqual([]);
  });

  it('logs no candidate email and no token at info or above', () => {
    const tokens = [...emulator.state.accessTokens.keys()];
    const visible = logged.filter((entry) => entry.level !== 'debug');
    // The refresh is logged at info: there is something to check.
    expect(visible.some((entry) => entry.line.startsWith('hubspot access token refreshed'))).toBe(true);
    for (const entry of visible) {
      expect(entry.line).not.toMatch(EMAIL);
      expect(entry.line).not.toMatch(/bearer/i);
      for (const token of tokens) expect(entry.line).not.toContain(token);
    }
  });
});
