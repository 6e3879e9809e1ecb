// Several host instances draining one portal at HubSpot's real limit: the emulator at the public-app
// budget (110 requests / 10 s), every kit instance at its default 100, each with its own knex pool
// and integration (as separate processes have: own limiter, own token keeper) over one database.
// The kit's portal budget is shared through PostgreSQL, so together they must stay under the
// limit; the run counts the 429s HubSpot gave. Small claims (a few rows per drain) make it many
// requests, so the limit binds with a backlog the quick run can afford.
import { createPostgresDatabase, normalizeEmail, type AssessmentInvite, type HubSpotIntegration } from '@jobcannon/hubspot-core';
import { connectOrg, createPostgresTestDatabase, createTestIntegration, startTestEmulator, type PostgresTestDatabase } from '@jobcannon/hubspot-core/test-support';
import type { Emulator } from '@jobcannon/hubspot-emulator';
import { collectState, countingLogger, plannedInvites, setupOf } from './outages.js';
import type { ActualContact, ExpectedEntry, FailureRecord, OfferedSnapshot } from './verify.js';
import { buildWorkload, type OrgPortal } from './workload.js';

export interface SharedPortalFigures {
  workers: number;
  rows: number;
  /** Rows each drain claimed at most (one batch, one request). */
  rowsPerRequest: number;
  requests: number;
  upserts: number;
  /** 429 answers HubSpot (the emulator's limiter) gave. */
  rateLimited: number;
  rateLimitedRatio: number;
  /** The most requests HubSpot received in any 10 s window, all instances together (the emulator allows 110, the kit 100). */
  maxRequestsIn10s: number;
  pushedByWorker: number[];
  drainMs: number;
}

export interface SharedPortalResult {
  expected: ExpectedEntry[];
  contacts: ActualContact[];
  failures: FailureRecord[];
  figures: SharedPortalFigures;
  unsettled: number;
}

const ORG: OrgPortal = { orgId: 'org-shared-portal', hubId: 5001 };
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The most arrivals (epoch ms) within any window of `windowMs`. */
export function busiestWindow(arrivals: readonly number[], windowMs: number): number {
  const sorted = [...arrivals].sort((a, b) => a - b);
  let most = 0;
  for (let end = 0, start = 0; end < sorted.length; end += 1) {
    while (sorted[end]! - sorted[start]! >= windowMs) start += 1;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

export async function runSharedPortal(options: { seed: number; quick: boolean; workers?: number; event: (label: string) => void; check: (name: string, ok: boolean, detail: string) => void }): Promise<SharedPortalResult> {
  const workerCount = options.workers ?? 3;
  const rowsPerRequest = 5;
  const candidates = options.quick ? 650 : 2_500;
  const workload = buildWorkload({ invites: candidates, seed: options.seed + 2, orgs: [ORG], slices: 2, invalidTotal: 0 });
  const emulator: Emulator = await startTestEmulator({
    seed: options.seed,
    portals: [{ hubId: ORG.hubId, domain: 'shared.hubspot.com', name: 'Shared', userEmail: 'admin@shared.com', userId: 9200 }],
    contacts: { emailMatching: 'strict' },
    rateLimit: { profile: 'public-app' },
    requestLogLimit: 50_000,
  });
  let database: PostgresTestDatabase | null = null;
  const pools: Array<ReturnType<typeof createPostgresDatabase>> = [];
  const integrations: HubSpotIntegration[] = [];
  const warnings: Record<string, number> = {};
  try {
    database = await createPostgresTestDatabase(options.quick ? 'chaos_shared_quick' : 'chaos_shared');
    for (let index = 0; index < workerCount; index += 1) {
      const pool = createPostgresDatabase(database.connectionString, { max: 3, logger: countingLogger(warnings) });
      pools.push(pool);
      integrations.push(createTestIntegration(pool, emulator, { workerId: `instance-${index}`, requestTimeoutMs: 5_000, logger: countingLogger(warnings) }));
    }
    const first = integrations[0]!;
    await first.migrate();
    await setupOf(await connectOrg(first, emulator, { orgId: ORG.orgId, hubId: ORG.hubId }));
    const offered = new Map<string, OfferedSnapshot[]>();
    let seq = 0;
    const invites: AssessmentInvite[] = plannedInvites(workload, ORG.orgId);
    for (let start = 0; start < invites.length; start += 250) {
      const part = invites.slice(start, start + 250);
      await pools[0]!.transaction(async (trx) => {
        for (const invite of part) await first.enqueue(invite, trx);
      });
      for (const invite of part) {
        const key = `${invite.orgId}\u0000${normalizeEmail(invite.email)}`;
        offered.set(key, [...(offered.get(key) ?? []), { invite, seq: seq++ }]);
      }
    }
    const rows = Number(((await pools[0]!('hubspot_outbox').count('* as n')) as Array<{ n: unknown }>)[0]?.n ?? 0);
    emulator.resetCounters();
    emulator.clearRequests();
    const began = Date.now();
    // Each instance drains until it found nothing due three times in a row (rows in backoff wait).
    const pushedByWorker = await Promise.all(
      integrations.map(async (integration) => {
        let pushed = 0;
        for (let idle = 0; idle < 3; ) {
          const result = await integration.drain({ maxRows: rowsPerRequest });
          pushed += result.pushed;
          if (result.pushed + result.failed + result.retried === 0) {
            idle += 1;
            await sleep(200);
          } else idle = 0;
        }
        return pushed;
      }),
    );
    const drainMs = Date.now() - began;
    const totals = emulator.counters().totals;
    const upserts = totals.byRoute['contacts.batchUpsert']?.requests ?? 0;
    const unsettled = Number(((await pools[0]!('hubspot_outbox').where({ status: 'pending' }).orWhereNotNull('lease_owner').count('* as n')) as Array<{ n: unknown }>)[0]?.n ?? 0);
    const failed = (await first.failures(ORG.orgId, { limit: 1 })).total;
    const figures: SharedPortalFigures = {
      workers: workerCount,
      rows,
      rowsPerRequest,
      requests: totals.requests,
      upserts,
      rateLimited: totals.rateLimited,
      rateLimitedRatio: totals.requests === 0 ? 0 : totals.rateLimited / totals.requests,
      maxRequestsIn10s: busiestWindow(emulator.requests().map((entry) => Date.parse(entry.at) - entry.durationMs), 10_000),
      pushedByWorker,
      drainMs,
    };
    options.event(`${workerCount} instances drained ${rows} rows of one portal in ${upserts} upserts (at most ${figures.maxRequestsIn10s} requests in 10 s); HubSpot answered 429 to ${totals.rateLimited} of ${totals.requests} requests`);
    // The 429 share is a figure here (the shared budget is judged in `pnpm bench`); delivery is the check.
    options.check(
      'several instances on one portal at the real limit',
      unsettled === 0 && failed === 0 && pushedByWorker.reduce((sum, n) => sum + n, 0) >= rows,
      `${workerCount} instances (own pools and integrations) pushed ${pushedByWorker.join(' + ')} of ${rows} rows, ${failed} failed, ${unsettled} unsettled; 429s: ${totals.rateLimited} of ${totals.requests} requests (${(figures.rateLimitedRatio * 100).toFixed(2)} %), at most ${figures.maxRequestsIn10s} requests in any 10 s against HubSpot's 110 and the kit's 100`,
    );
    return { ...(await collectState(first, emulator, workload, offered)), figures, unsettled };
  } finally {
    await Promise.allSettled(integrations.map((integration) => integration.close()));
    await Promise.allSettled(pools.map((pool) => pool.destroy()));
    await emulator.close();
    await database?.drop().catch(() => undefined);
  }
}
