// The long disruptions of the chaos run, on a simulated clock so twenty minutes cost seconds: a
// 20-minute HubSpot outage, a 10-minute token-endpoint outage, a newer invalid invite after a held
// valid one, a deleted group right after a re-created property, and a wrong encryption key at
// start. Each runs on its own org and portal of a second emulator over a second database, drained
// by one integration whose clock is real time plus whatever the run has skipped ahead; the kit's
// portal budget keeps real time (PostgreSQL's clock), which is why the emulator's limit is raised
// here: rate limits are the main run's business. Expected state and failures are judged by the
// same verify() as the main run.
import {
  PROPERTY_GROUP,
  createPostgresDatabase,
  generateEncryptionKey,
  normalizeEmail,
  type AssessmentInvite,
  type BootstrapReport,
  type CompleteOAuthResult,
  type HubSpotIntegration,
  type Logger,
} from '@jobcannon/hubspot-core';
import {
  TEST_ENCRYPTION_KEY_ID,
  TEST_RESULT_URL_BASE,
  connectOrg,
  createMovableClock,
  createPostgresTestDatabase,
  createTestIntegration,
  startTestEmulator,
  type MovableClock,
  type PostgresTestDatabase,
} from '@jobcannon/hubspot-core/test-support';
import type { Emulator, RequestLogEntry } from '@jobcannon/hubspot-emulator';
import { expectedEntry, type ActualContact, type ExpectedEntry, type FailureRecord, type OfferedSnapshot } from './verify.js';
import { buildWorkload, type OrgPortal, type Workload } from './workload.js';

const MINUTE = 60_000;

/** What the outages phase measured, for the report. */
export interface OutageFigures {
  /** Simulated minutes the phase skipped ahead in total. */
  simulatedMinutes: number;
  hubspotOutage: { minutes: number; upsertsDuringOutage: number; answered503: number; failedDuring: number; minutesToDeliverAfter: number };
  tokenOutage: {
    minutes: number;
    tokenCalls: number;
    /** The most token calls in any one simulated minute of the outage. */
    maxTokenCallsPerMinute: number;
    /** Upserts answered 401 (sent with a token HubSpot no longer took) during the outage. */
    upserts401: number;
    /** Of those, upserts sent after the kit acted on HubSpot's first 401 (its refresh reached the token endpoint): it knew the token was dead. */
    upserts401Knowingly: number;
    upsertsDuringOutage: number;
    lastErrorCode: string | null;
    minutesToDeliverAfter: number;
  };
  invalidAfterHeld: { heldBefore: number; refusedAtEnqueue: number; listedApart: number };
  deletedGroup: { groupRecreated: boolean; propertyCreates: number; upsert400s: number; failed: number };
  wrongKey: {
    minutes: number;
    drains: number;
    /** Rows the drains claimed in all (a loop would claim every row at every drain). */
    claims: number;
    rows: number;
    requests: number;
    decryptionLogs: number;
    lastErrorCode: string | null;
    statusBeforeFirstDrain: string | null;
    unreadableReported: number;
  };
}

export interface OutagesResult {
  expected: ExpectedEntry[];
  contacts: ActualContact[];
  failures: FailureRecord[];
  /** Every request the second emulator saw. */
  requests: RequestLogEntry[];
  figures: OutageFigures;
  /** Rows still pending or leased at the end. */
  unsettled: number;
}

export interface OutagesOptions {
  seed: number;
  quick: boolean;
  event: (label: string) => void;
  check: (name: string, ok: boolean, detail: string) => void;
}

/**
 * Real time plus an offset the run moves by hand (core's movable clock holds the offset): time
 * still flows, so in-pass backoff and leases behave as usual, and `advance` skips minutes at once.
 */
export function createSimulatedClock(): MovableClock & { skipped(): number } {
  const offset = createMovableClock(0);
  return {
    now: () => Date.now() + offset.now(),
    advance: (ms) => offset.advance(ms),
    set: (ms) => offset.set(ms - Date.now()),
    skipped: () => offset.now(),
  };
}

/**
 * The connect's property setup report. Core's contract runs the setup in the background of the
 * callback (`setup`); until its connect flow does, the synchronous `bootstrap` field is read.
 */
export async function setupOf(result: CompleteOAuthResult): Promise<BootstrapReport> {
  const legacy = (result as { bootstrap?: BootstrapReport }).bootstrap;
  return (result as { setup?: Promise<BootstrapReport> }).setup !== undefined ? await result.setup : legacy!;
}

export function countingLogger(counts: Record<string, number>): Logger {
  const count = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    const name = `${level}: ${message}${typeof fields?.orgId === 'string' ? ` [${fields.orgId}]` : ''}`;
    counts[name] = (counts[name] ?? 0) + 1;
  };
  return { debug() {}, info() {}, warn: count('warn'), error: count('error') };
}

const ORGS = {
  hubspot: { orgId: 'org-outage-hubspot', hubId: 4001 },
  token: { orgId: 'org-outage-token', hubId: 4002 },
  invalid: { orgId: 'org-outage-invalid', hubId: 4003 },
  group: { orgId: 'org-outage-group', hubId: 4004 },
  key: { orgId: 'org-outage-key', hubId: 4005 },
} as const satisfies Record<string, OrgPortal>;

type Db = ReturnType<typeof createPostgresDatabase>;

/** Every snapshot of an org's candidates in stage order (stream, sweep partials, completions, late ones). */
export function plannedInvites(workload: Workload, orgId: string): AssessmentInvite[] {
  const stageOrder = (kind: string) => ['stream', 'sweep', 'during-sweep', 'after-sweep', 'late'].indexOf(kind);
  return workload.candidates
    .filter((candidate) => candidate.orgId === orgId)
    .flatMap((candidate) => candidate.snapshots)
    .sort((a, b) => stageOrder(a.stage.kind) - stageOrder(b.stage.kind) || (a.stage.kind === 'stream' && b.stage.kind === 'stream' ? a.stage.slice - b.stage.slice : 0))
    .map((snapshot) => snapshot.invite);
}

/** Every failure the kit lists for these orgs, all pages. */
export async function collectFailures(integration: HubSpotIntegration, orgs: ReadonlyArray<{ orgId: string }>): Promise<FailureRecord[]> {
  const failures: FailureRecord[] = [];
  for (const org of orgs) {
    let cursor: string | null = null;
    do {
      const page = await integration.failures(org.orgId, { limit: 200, cursor });
      for (const item of page.items) failures.push({ orgId: org.orgId, email: item.email, inviteId: item.inviteId, code: item.code, details: item.details });
      cursor = page.nextCursor;
    } while (cursor !== null);
  }
  return failures;
}

/** Every contact the emulator holds in these orgs' portals. */
export function collectContacts(emulator: Emulator, orgs: ReadonlyArray<{ hubId: number }>): ActualContact[] {
  return orgs.flatMap((org) =>
    emulator.contacts(org.hubId).map((contact) => ({ hubId: org.hubId, email: contact.email ?? contact.properties.email ?? '', properties: contact.properties })),
  );
}

/**
 * What the rules say HubSpot must hold for each of the workload's candidates, from what the host
 * offered; `neverOffered`: candidates the host never offered the kit (none should be).
 */
export function expectedEntries(workload: Workload, offered: ReadonlyMap<string, OfferedSnapshot[]>): { expected: ExpectedEntry[]; neverOffered: number } {
  const expected: ExpectedEntry[] = [];
  let neverOffered = 0;
  for (const candidate of workload.candidates) {
    const entry = expectedEntry({
      orgId: candidate.orgId,
      hubId: candidate.hubId,
      email: candidate.email,
      offered: offered.get(`${candidate.orgId}\u0000${candidate.email}`) ?? [],
      invalid: candidate.kind === 'invalid-email',
      resultUrlBase: TEST_RESULT_URL_BASE,
    });
    if (entry) expected.push(entry);
    else neverOffered += 1;
  }
  return { expected, neverOffered };
}

/** What HubSpot and the kit hold for a side run's orgs, and what the rules say must be there. */
export async function collectState(
  integration: HubSpotIntegration,
  emulator: Emulator,
  workload: Workload,
  offered: ReadonlyMap<string, OfferedSnapshot[]>,
): Promise<{ expected: ExpectedEntry[]; contacts: ActualContact[]; failures: FailureRecord[] }> {
  const orgs = workload.options.orgs;
  const failures = await collectFailures(integration, orgs);
  const contacts = collectContacts(emulator, orgs);
  return { expected: expectedEntries(workload, offered).expected, contacts, failures };
}

export async function runOutages(options: OutagesOptions): Promise<OutagesResult> {
  const { event, check } = options;
  const orgs: OrgPortal[] = Object.values(ORGS);
  const perOrg = options.quick ? 40 : 150;
  // Every candidate's snapshots in stage order (stream, sweep partials, completions, late ones):
  // the merge rules go through the outages too.
  const workload = buildWorkload({ invites: perOrg * orgs.length, seed: options.seed + 1, orgs, slices: 2, invalidTotal: 0 });
  const plannedFor = (orgId: string) => plannedInvites(workload, orgId);

  const emulator: Emulator = await startTestEmulator({
    seed: options.seed,
    portals: orgs.map((org, index) => ({ hubId: org.hubId, domain: `outage-${index}.hubspot.com`, name: `Outage ${index}`, userEmail: `admin@outage-${index}.com`, userId: 9100 + index })),
    contacts: { emailMatching: 'strict' },
    rateLimit: { max: 10_000 },
    requestLogLimit: 200_000,
  });
  let database: PostgresTestDatabase | null = null;
  let db: Db | null = null;
  const integrations: HubSpotIntegration[] = [];
  const clock = createSimulatedClock();
  const warnings: Record<string, number> = {};
  try {
    database = await createPostgresTestDatabase(options.quick ? 'chaos_outages_quick' : 'chaos_outages');
    db = createPostgresDatabase(database.connectionString, { max: 6, logger: countingLogger(warnings) });
    const pool = db;
    // Short in-pass backoff: what is measured is how the queue waits between passes (simulated).
    const settings = { clock, workerId: 'outages', requestTimeoutMs: 2_000, rateLimit: { maxRequests: 1_000 }, retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 80 }, logger: countingLogger(warnings) };
    const kit = createTestIntegration(pool, emulator, settings);
    integrations.push(kit);
    await kit.migrate();
    for (const org of orgs) {
      const connected = await connectOrg(kit, emulator, { orgId: org.orgId, hubId: org.hubId });
      if (!(await setupOf(connected)).ok) throw new Error(`bootstrap of ${org.orgId} failed`);
    }
    event(`outages: ${orgs.length} orgs on a second emulator, ${workload.candidates.length} candidates, simulated clock`);

    const offered = new Map<string, OfferedSnapshot[]>();
    let seq = 0;
    const enqueueOutcomes = { refused: 0 };
    const enqueueAll = async (integration: HubSpotIntegration, invites: readonly AssessmentInvite[]) => {
      await pool.transaction(async (trx) => {
        for (const invite of invites) {
          const outcome = await integration.enqueue(invite, trx);
          if ('failed' in outcome) enqueueOutcomes.refused += 1;
        }
      });
      for (const invite of invites) {
        const key = `${invite.orgId}\u0000${normalizeEmail(invite.email)}`;
        offered.set(key, [...(offered.get(key) ?? []), { invite, seq: seq++ }]);
      }
    };
    const count = async (query: Promise<unknown>) => Number(((await query) as Array<{ n: unknown }>)[0]?.n ?? 0);
    const unsettledOf = (orgId?: string) =>
      count(
        pool('hubspot_outbox')
          .where((builder) => {
            if (orgId) void builder.where({ org_id: orgId });
          })
          .andWhere((builder) => {
            void builder.where({ status: 'pending' }).orWhereNotNull('lease_owner');
          })
          .count('* as n'),
      );
    const failedOf = async (orgId: string) => (await kit.failures(orgId, { limit: 1 })).total;
    const routeCount = (route: string, hubId?: number) =>
      hubId === undefined ? (emulator.counters().totals.byRoute[route]?.requests ?? 0) : (emulator.counters().portals[String(hubId)]?.byRoute[route]?.requests ?? 0);
    const statusCount = (route: string, hubId: number, status: string) => emulator.counters().portals[String(hubId)]?.byRoute[route]?.byStatus[status] ?? 0;

    /**
     * Drains one org in steps of simulated time (the host's drain loop, and the 5-minute job every
     * five simulated minutes), until `done` holds or `minutes` have passed. Returns the minutes used.
     */
    let sinceMaintain = 0;
    const drive = async (
      integration: HubSpotIntegration,
      orgId: string,
      input: { minutes: number; stepMs: number; done?: () => Promise<boolean>; each?: (simulatedMs: number) => Promise<void> | void },
    ): Promise<number> => {
      const began = clock.now();
      for (;;) {
        await integration.drain({ orgId });
        if (sinceMaintain >= 5 * MINUTE) {
          sinceMaintain = 0;
          await integration.maintain();
        }
        await input.each?.(clock.now() - began);
        if (input.done && (await input.done())) break;
        if (clock.now() - began >= input.minutes * MINUTE) break;
        clock.advance(input.stepMs);
        sinceMaintain += input.stepMs;
      }
      return Math.round(((clock.now() - began) / MINUTE) * 10) / 10;
    };
    const settledOrg = (orgId: string) => async () => (await unsettledOf(orgId)) === 0;

    // ---- 1. a 20-minute HubSpot outage: every upsert answers 503 ----
    const hubspotOrg = ORGS.hubspot;
    await enqueueAll(kit, plannedFor(hubspotOrg.orgId));
    const outage = emulator.addFault({ hubId: hubspotOrg.hubId, route: 'contacts.batchUpsert', kind: 503 });
    const upsertsBefore = routeCount('contacts.batchUpsert', hubspotOrg.hubId);
    const answered503Before = statusCount('contacts.batchUpsert', hubspotOrg.hubId, '503');
    let failedDuring = 0;
    await drive(kit, hubspotOrg.orgId, {
      minutes: 20,
      stepMs: 20_000,
      each: async () => {
        failedDuring = Math.max(failedDuring, await failedOf(hubspotOrg.orgId));
      },
    });
    const upsertsDuringOutage = routeCount('contacts.batchUpsert', hubspotOrg.hubId) - upsertsBefore;
    const answered503 = statusCount('contacts.batchUpsert', hubspotOrg.hubId, '503') - answered503Before;
    const pendingAtEnd = await unsettledOf(hubspotOrg.orgId);
    if (outage.id !== undefined) emulator.removeFault(outage.id);
    event(`HubSpot answered 503 to ${answered503} upserts for 20 simulated minutes; ${pendingAtEnd} rows waiting, ${failedDuring} failed`);
    const hubspotRecovery = await drive(kit, hubspotOrg.orgId, { minutes: 90, stepMs: 30_000, done: settledOrg(hubspotOrg.orgId) });
    const hubspotSettled = (await unsettledOf(hubspotOrg.orgId)) === 0;
    check(
      '20-minute HubSpot outage',
      failedDuring === 0 && answered503 > 0 && pendingAtEnd > 0 && hubspotSettled && (await failedOf(hubspotOrg.orgId)) === 0,
      `${answered503} upserts answered 503 over 20 simulated minutes, ${failedDuring} rows failed meanwhile; all delivered ${hubspotRecovery} simulated minutes after HubSpot came back: ${hubspotSettled}`,
    );

    // ---- 2. a 10-minute token-endpoint outage, with expired access tokens ----
    const tokenOrg = ORGS.token;
    await enqueueAll(kit, plannedFor(tokenOrg.orgId));
    const tokenFault = emulator.addFault({ route: 'oauth.token', kind: 503 });
    emulator.expireAccessTokens(tokenOrg.hubId);
    const tokenCallsBefore = routeCount('oauth.token');
    const upserts401Before = statusCount('contacts.batchUpsert', tokenOrg.hubId, '401');
    const tokenUpsertsBefore = routeCount('contacts.batchUpsert', tokenOrg.hubId);
    const perMinute = new Map<number, number>();
    let lastTokenCalls = tokenCallsBefore;
    let lastErrorCode: string | null = null;
    let tokenFailed = 0;
    await drive(kit, tokenOrg.orgId, {
      minutes: 10,
      stepMs: 5_000,
      each: async (simulatedMs) => {
        const calls = routeCount('oauth.token');
        const minute = Math.floor(simulatedMs / MINUTE);
        perMinute.set(minute, (perMinute.get(minute) ?? 0) + calls - lastTokenCalls);
        lastTokenCalls = calls;
        const status = await kit.status(tokenOrg.orgId);
        lastErrorCode = status.lastError?.code ?? null;
        tokenFailed = Math.max(tokenFailed, status.queue.failed);
      },
    });
    const tokenCalls = routeCount('oauth.token') - tokenCallsBefore;
    const upserts401 = statusCount('contacts.batchUpsert', tokenOrg.hubId, '401') - upserts401Before;
    // An upsert sent while HubSpot's first 401 was still on its way back could not have known (a
    // parallel batch, a millisecond later); once the kit has acted on that 401 (its first refresh
    // reached the token endpoint), any upsert sent went out with a token it knew was dead. Real
    // time, from the request log: a request's start is its answer's time minus its duration.
    const started = (entry: { at: string; durationMs: number }) => Date.parse(entry.at) - entry.durationMs;
    const refused = emulator.requests({ hubId: tokenOrg.hubId, route: 'contacts.batchUpsert' }).filter((entry) => entry.status === 401);
    const firstRefusalAt = Math.min(...refused.map((entry) => Date.parse(entry.at)));
    const refreshStartedAt = Math.min(...emulator.requests({ route: 'oauth.token' }).map(started).filter((at) => at >= firstRefusalAt));
    const upserts401Knowingly = refused.filter((entry) => started(entry) > refreshStartedAt).length;
    const tokenUpserts = routeCount('contacts.batchUpsert', tokenOrg.hubId) - tokenUpsertsBefore;
    const waitingAtEnd = await unsettledOf(tokenOrg.orgId);
    if (tokenFault.id !== undefined) emulator.removeFault(tokenFault.id);
    const maxPerMinute = Math.max(0, ...perMinute.values());
    event(`token endpoint down for 10 simulated minutes: ${tokenCalls} token calls (at most ${maxPerMinute} in a minute), ${upserts401} upserts answered 401, status lastError ${lastErrorCode}`);
    const tokenRecovery = await drive(kit, tokenOrg.orgId, { minutes: 30, stepMs: 15_000, done: settledOrg(tokenOrg.orgId) });
    const tokenSettled = (await unsettledOf(tokenOrg.orgId)) === 0;
    // "A handful" a minute: the refresh backoff starts at 15 s and doubles.
    check(
      '10-minute token-endpoint outage',
      maxPerMinute <= 5 && tokenCalls > 0 && upserts401Knowingly === 0 && lastErrorCode === 'TOKEN_REFRESH_FAILED' && waitingAtEnd > 0 && tokenFailed === 0 && tokenSettled,
      `${tokenCalls} token calls in 10 simulated minutes, at most ${maxPerMinute} in one minute (<= 5); ${upserts401} of ${tokenUpserts} upserts answered 401, ${upserts401Knowingly} of them sent after the kit's refresh for the first 401 (0: none sent once the token was known bad); lastError ${lastErrorCode}; ${waitingAtEnd} rows waiting, ${tokenFailed} failed; delivered ${tokenRecovery} simulated minutes after recovery: ${tokenSettled}`,
    );

    // ---- 3. a newer invalid invite after a held valid one, while the org must reconnect ----
    const invalidOrg = ORGS.invalid;
    emulator.uninstall(invalidOrg.hubId);
    // No push: the 5-minute job alone must notice the uninstall within one cycle.
    clock.advance(5 * MINUTE);
    await kit.maintain();
    const noticed = (await kit.status(invalidOrg.orgId)).status === 'must_reconnect';
    const valid = plannedFor(invalidOrg.orgId);
    await enqueueAll(kit, valid);
    await kit.drain({ orgId: invalidOrg.orgId });
    const heldBefore = (await kit.status(invalidOrg.orgId)).queue.held;
    // A newer invite for the first candidates, out of range (IQ 170): refused, and kept apart.
    const later = (iso: string) => new Date(Date.parse(iso) + 24 * 3600_000).toISOString();
    const lastOf = new Map<string, AssessmentInvite>();
    for (const invite of valid) lastOf.set(normalizeEmail(invite.email), invite);
    const invalid = [...lastOf.values()].slice(0, options.quick ? 5 : 20).map((invite): AssessmentInvite => ({
      ...invite,
      id: `${invite.id}_bad`,
      status: 'completed',
      updatedAt: later(invite.updatedAt),
      completedAt: later(invite.updatedAt),
      tests: [{ slug: 'iq', status: 'completed', completedAt: later(invite.updatedAt), result: { score: 170 } }],
    }));
    const refusedBefore = enqueueOutcomes.refused;
    await enqueueAll(kit, invalid);
    const refusedAtEnqueue = enqueueOutcomes.refused - refusedBefore;
    const reconnected = await connectOrg(kit, emulator, { orgId: invalidOrg.orgId, hubId: invalidOrg.hubId });
    await setupOf(reconnected);
    await drive(kit, invalidOrg.orgId, { minutes: 10, stepMs: 15_000, done: settledOrg(invalidOrg.orgId) });
    const listed = await kit.failures(invalidOrg.orgId, { limit: 200 });
    const listedApart = listed.items.filter((item) => item.inviteId.endsWith('_bad') && item.code === 'INVALID_INVITE').length;
    const landed = invalid.filter((invite) => emulator.contact(invalidOrg.hubId, normalizeEmail(invite.email))?.properties.jc_invitation_id === lastOf.get(normalizeEmail(invite.email))?.id).length;
    event(`invalid after held: must_reconnect noticed by maintain(): ${noticed}; ${heldBefore} held; ${refusedAtEnqueue} newer invalid invites refused; ${landed} valid ones landed after reconnect`);
    check(
      'newer invalid invite after a held valid one',
      noticed && heldBefore > 0 && reconnected.reconnected && refusedAtEnqueue === invalid.length && listedApart === invalid.length && listed.total === invalid.length && landed === invalid.length,
      `uninstall noticed by the 5-minute job without a push: ${noticed}; ${heldBefore} rows held; ${refusedAtEnqueue} of ${invalid.length} invalid invites refused at enqueue, ${listedApart} listed apart as INVALID_INVITE (${listed.total} failures in all); ${landed} of ${invalid.length} valid snapshots landed after the reconnect`,
    );

    // ---- 4. a deleted group right after a re-created property ----
    const groupOrg = ORGS.group;
    const groupPlan = plannedFor(groupOrg.orgId);
    const half = Math.floor(groupPlan.length / 2);
    const propertyCreateCount = () => routeCount('properties.create', groupOrg.hubId) + routeCount('properties.batchCreate', groupOrg.hubId);
    const propertyCreatesBefore = propertyCreateCount();
    const groupCreatesBefore = routeCount('groups.create', groupOrg.hubId);
    const upsert400Before = statusCount('contacts.batchUpsert', groupOrg.hubId, '400');
    await enqueueAll(kit, groupPlan.slice(0, half));
    emulator.deleteProperty(groupOrg.hubId, 'jc_disc_d');
    await kit.drain({ orgId: groupOrg.orgId });
    const restored = emulator.properties(groupOrg.hubId).some((property) => property.name === 'jc_disc_d');
    // Within the seconds after that re-bootstrap, the customer deletes the whole group.
    emulator.deleteGroup(groupOrg.hubId, PROPERTY_GROUP.name);
    await enqueueAll(kit, groupPlan.slice(half));
    await drive(kit, groupOrg.orgId, { minutes: 10, stepMs: 10_000, done: settledOrg(groupOrg.orgId) });
    const groupRecreated = emulator.groups(groupOrg.hubId).some((group) => group.name === PROPERTY_GROUP.name && group.archived !== true);
    const propertyCreates = propertyCreateCount() - propertyCreatesBefore;
    const groupCreates = routeCount('groups.create', groupOrg.hubId) - groupCreatesBefore;
    const upsert400s = statusCount('contacts.batchUpsert', groupOrg.hubId, '400') - upsert400Before;
    const groupFailed = await failedOf(groupOrg.orgId);
    const groupSettled = (await unsettledOf(groupOrg.orgId)) === 0;
    event(`deleted group after a re-created property: property restored ${restored}, group re-created ${groupRecreated} (${groupCreates} group creates, ${propertyCreates} property creates), ${upsert400s} upserts answered 400`);
    check(
      'deleted group right after a re-created property',
      restored && groupRecreated && groupFailed === 0 && groupSettled,
      `jc_disc_d restored: ${restored}; group re-created: ${groupRecreated} (${groupCreates} group, ${propertyCreates} property creates); ${upsert400s} upserts answered 400; ${groupFailed} rows failed; settled: ${groupSettled}`,
    );

    // ---- 5. a wrong encryption key at start ----
    const keyOrg = ORGS.key;
    const wrongLogs: Record<string, number> = {};
    const wrong = createTestIntegration(pool, emulator, {
      ...settings,
      workerId: 'wrong-key',
      encryption: { currentKeyId: TEST_ENCRYPTION_KEY_ID, keys: { [TEST_ENCRYPTION_KEY_ID]: generateEncryptionKey() } },
      logger: countingLogger(wrongLogs),
    });
    integrations.push(wrong);
    const keyPlan = plannedFor(keyOrg.orgId);
    await enqueueAll(wrong, keyPlan);
    const requestsBefore = emulator.counters().totals.requests;
    // The host's loops with the wrong key: a drain every 10 s, the 5-minute job every minute, for
    // six simulated minutes (so one health-check cycle surely falls due and the held rows come due once).
    const keyMinutes = 6;
    let unreadableReported = (await wrong.maintain()).connections.unreadable;
    const statusAtStart = (await wrong.status(keyOrg.orgId)).lastError?.code ?? null;
    let claims = 0;
    let drains = 0;
    for (let step = 0; step < keyMinutes * 6; step += 1) {
      const result = await wrong.drain({ orgId: keyOrg.orgId });
      drains += 1;
      claims += result.pushed + result.failed + result.retried + result.held;
      clock.advance(10_000);
      if (step % 6 === 5) unreadableReported += (await wrong.maintain()).connections.unreadable;
    }
    const status = await wrong.status(keyOrg.orgId);
    const keyLastError = status.lastError?.code ?? null;
    const keyRows = await count(pool('hubspot_outbox').where({ org_id: keyOrg.orgId }).count('* as n'));
    const keyRequests = emulator.counters().totals.requests - requestsBefore;
    const decryptionLogs = Object.entries(wrongLogs)
      .filter(([name]) => /decrypt/i.test(name) && name.includes(`[${keyOrg.orgId}]`))
      .reduce((sum, [, value]) => sum + value, 0);
    await wrong.close();
    integrations.splice(integrations.indexOf(wrong), 1);
    // Rows wait five minutes between looks at unreadable tokens: at most one claim per row per five minutes.
    const claimBound = keyRows * (1 + Math.floor(keyMinutes / 5));
    event(`wrong key: ${drains} drains over ${keyMinutes} simulated minutes claimed ${claims} rows, ${keyRequests} requests to HubSpot, ${decryptionLogs} decryption log lines for the org; status lastError ${keyLastError}`);
    // The right key is back (the host restarted with it): the held rows go out at the next check.
    const keyRecovery = await drive(kit, keyOrg.orgId, { minutes: 15, stepMs: 30_000, done: settledOrg(keyOrg.orgId) });
    const keySettled = (await unsettledOf(keyOrg.orgId)) === 0;
    const keyAfter = (await kit.status(keyOrg.orgId)).lastError?.code ?? null;
    check(
      'wrong encryption key at start',
      keyLastError === 'DECRYPTION_FAILED' && unreadableReported >= 1 && claims <= claimBound && keyRequests === 0 && decryptionLogs <= 2 * (1 + Math.floor(keyMinutes / 5)) && keySettled && keyAfter !== 'DECRYPTION_FAILED',
      `status said ${keyLastError} (${statusAtStart ?? 'nothing'} before the first drain; connection ${status.status}); maintain() reported it unreadable ${unreadableReported} time(s); ${drains} drains claimed ${claims} rows (<= ${claimBound}: ${keyRows} rows, once per 5 minutes, no loop), ${keyRequests} requests to HubSpot, ${decryptionLogs} decryption log lines for the org; with the right key back all delivered within ${keyRecovery} simulated minutes: ${keySettled} (lastError now ${keyAfter})`,
    );

    const figures: OutageFigures = {
      simulatedMinutes: Math.round(clock.skipped() / MINUTE),
      hubspotOutage: { minutes: 20, upsertsDuringOutage, answered503, failedDuring, minutesToDeliverAfter: hubspotRecovery },
      tokenOutage: { minutes: 10, tokenCalls, maxTokenCallsPerMinute: maxPerMinute, upserts401, upserts401Knowingly, upsertsDuringOutage: tokenUpserts, lastErrorCode, minutesToDeliverAfter: tokenRecovery },
      invalidAfterHeld: { heldBefore, refusedAtEnqueue, listedApart },
      deletedGroup: { groupRecreated, propertyCreates, upsert400s, failed: groupFailed },
      wrongKey: { minutes: keyMinutes, drains, claims, rows: keyRows, requests: keyRequests, decryptionLogs, lastErrorCode: keyLastError, statusBeforeFirstDrain: statusAtStart, unreadableReported },
    };

    return { ...(await collectState(kit, emulator, workload, offered)), requests: emulator.requests(), figures, unsettled: await unsettledOf() };
  } finally {
    await Promise.allSettled(integrations.map((integration) => integration.close()));
    await db?.destroy().catch(() => undefined);
    await emulator.close();
    await database?.drop().catch(() => undefined);
  }
}
