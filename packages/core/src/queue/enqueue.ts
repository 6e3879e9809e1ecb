import type { Knex } from 'knex';
import { HubSpotKitError, isHubSpotKitError, type ErrorDetails } from '../errors.js';
import type { IntegrationContext } from '../integration/integration-context.js';
import type { EnqueueOutcome, InProgressInviteSource, SweepPartialsOptions, SweepPartialsResult } from '../integration/types.js';
import type { AssessmentInvite } from '../mapping/assessment-invite.js';
import { mapInviteToProperties, normalizeEmail } from '../mapping/map-invite.js';
import { listConnectedOrgIds } from '../storage/connections-repository.js';
import { recordInvalidSnapshot, supersedeInvalidSnapshots, supersedeInvalidSnapshotsMany } from '../storage/failures-repository.js';
import { upsertSnapshot, upsertSnapshots } from '../storage/outbox-repository.js';
import { retryOnDatabaseConflict } from '../retry/database-conflict.js';

/**
 * Putting results in the outbox: one invite (the host's transactional outbox call), and the nightly
 * sweep of in-progress invites streamed from the host.
 */
/** What a page of enqueues did: the backfill's and the sweep's progress counters. */
export interface EnqueueManyResult {
  enqueued: number;
  /** Not queued: an equal or better snapshot is already there. */
  skipped: number;
  /** Kept apart as failures (invalid invites). */
  invalid: number;
}

interface Prepared {
  orgId: string;
  email: string;
  inviteId: string;
  snapshot: 'completed' | 'partial';
  updatedAt: Date;
  invite: AssessmentInvite;
  failed?: { code: 'INVALID_INVITE'; message: string; details: ErrorDetails };
}

export function createEnqueue(ctx: IntegrationContext, deps: { nudge: () => void }) {
  /** Validates and maps an invite once; throws only when it cannot be queued at all (no org or email). */
  function prepare(invite: AssessmentInvite): Prepared {
    const raw = invite as Partial<AssessmentInvite>;
    const orgId = typeof raw.orgId === 'string' ? raw.orgId.trim() : '';
    const rawEmail = typeof raw.email === 'string' ? raw.email : '';
    if (!orgId || !rawEmail.trim()) {
      const field = !orgId ? 'orgId' : 'email';
      const value = !orgId ? raw.orgId : raw.email;
      throw new HubSpotKitError('INVALID_INVITE', `Invite ${String(raw.id ?? '(no id)')}: ${field} is required to queue it (value: ${JSON.stringify(value) ?? 'missing'})`, {
        details: { inviteId: raw.id == null ? null : String(raw.id), field, value: value ?? null },
      });
    }
    const email = normalizeEmail(rawEmail);
    let snapshot: 'completed' | 'partial';
    let failed: Prepared['failed'];
    try {
      snapshot = mapInviteToProperties(invite, { resultUrlBase: ctx.settings.resultUrlBase }).jc_test_status === 'completed' ? 'completed' : 'partial';
    } catch (error) {
      if (!isHubSpotKitError(error, 'INVALID_INVITE')) throw error;
      // Kept, with its reason, for the admin: never lost and never blocking the others.
      failed = { code: 'INVALID_INVITE', message: error.message, details: { ...error.details, email } };
      snapshot = raw.status === 'completed' ? 'completed' : 'partial';
    }
    const updatedAt = typeof raw.updatedAt === 'string' && !Number.isNaN(Date.parse(raw.updatedAt)) ? new Date(raw.updatedAt) : ctx.now();
    return { orgId, email, inviteId: String(raw.id ?? ''), snapshot, updatedAt, invite, ...(failed ? { failed } : {}) };
  }

  function nudgeAfter(trx: Knex.Transaction | undefined): void {
    // Inside the host's transaction, push once it commits (a rolled-back invite is not pushed).
    if (trx) void trx.executionPromise.then(deps.nudge, () => {});
    else deps.nudge();
  }

  async function enqueue(invite: AssessmentInvite, trx?: Knex.Transaction): Promise<EnqueueOutcome> {
    const target = trx ?? ctx.db;
    const item = prepare(invite);
    if (item.failed) {
      // Kept apart from the candidate's outbox row: a valid snapshot queued or held for the same
      // candidate still lands, and this one is listed on its own for the admin.
      const failureId = await recordInvalidSnapshot(target, { orgId: item.orgId, email: item.email, inviteId: item.inviteId, inviteUpdatedAt: item.updatedAt, payload: invite, error: item.failed }, ctx.now());
      if (failureId === null) return { queued: false, reason: 'stale' };
      return { queued: true, rowId: failureId, snapshot: item.snapshot, failed: item.failed };
    }
    const stored = await upsertSnapshot(target, { orgId: item.orgId, email: item.email, inviteId: item.inviteId, snapshot: item.snapshot, inviteUpdatedAt: item.updatedAt, payload: invite }, ctx.now(), ctx.settings.mergePolicy);
    if (stored.outcome === 'ignored') return { queued: false, reason: stored.reason };
    // The host corrected the invite: its older invalid versions are no longer failures.
    await supersedeInvalidSnapshots(target, { orgId: item.orgId, email: item.email, inviteId: item.inviteId, upTo: item.updatedAt });
    nudgeAfter(trx);
    return { queued: true, rowId: stored.row.id, snapshot: item.snapshot };
  }

  /**
   * A page of invites in a few statements (`upsertSnapshots`), by the same rules as `enqueue`.
   * Invites that cannot be queued at all (no org or email) count as invalid and are logged.
   */
  async function enqueueMany(invites: readonly AssessmentInvite[], options: { priority?: 0 | 1; trx?: Knex.Transaction } = {}): Promise<EnqueueManyResult> {
    const target = options.trx ?? ctx.db;
    const result: EnqueueManyResult = { enqueued: 0, skipped: 0, invalid: 0 };
    const valid: Prepared[] = [];
    for (const invite of invites) {
      let item: Prepared;
      try {
        item = prepare(invite);
      } catch (error) {
        if (!isHubSpotKitError(error, 'INVALID_INVITE')) throw error;
        result.invalid += 1;
        ctx.logger.warn('an invite without org or email was not queued', { inviteId: (invite as { id?: unknown }).id ?? null, field: error.details.field });
        continue;
      }
      if (item.failed) {
        await recordInvalidSnapshot(target, { orgId: item.orgId, email: item.email, inviteId: item.inviteId, inviteUpdatedAt: item.updatedAt, payload: item.invite, error: item.failed }, ctx.now());
        result.invalid += 1;
      } else {
        valid.push(item);
      }
    }
    if (valid.length > 0) {
      const snapshots = valid.map((item) => ({ orgId: item.orgId, email: item.email, inviteId: item.inviteId, snapshot: item.snapshot, inviteUpdatedAt: item.updatedAt, payload: item.invite }));
      const stored = await writePage(target, snapshots, options);
      result.enqueued += stored.inserted + stored.replaced + stored.carried;
      result.skipped += stored.ignored;
      await supersedeInvalidSnapshotsMany(target, valid.map((item) => ({ orgId: item.orgId, email: item.email, inviteId: item.inviteId, upTo: item.updatedAt })));
      if (result.enqueued > 0) nudgeAfter(options.trx);
    }
    return result;
  }

  /**
   * A page touches many rows at once, so PostgreSQL may pick it as a deadlock victim against a host
   * transaction enqueueing the same candidates in another order. The retry policy decides the
   * repeat (the page is idempotent: the merge rules make a re-run a no-op for what landed). Inside
   * the host's transaction the error is the host's: that transaction is aborted and cannot retry.
   */
  async function writePage(target: Knex | Knex.Transaction, snapshots: Parameters<typeof upsertSnapshots>[1], options: { priority?: 0 | 1; trx?: Knex.Transaction }) {
    const write = () => upsertSnapshots(target, snapshots, ctx.now(), { policy: ctx.settings.mergePolicy, priority: options.priority ?? 0 });
    return options.trx ? write() : retryOnDatabaseConflict(ctx, 'a page of enqueues', write);
  }

  async function sweepPartials(source: InProgressInviteSource, sweepOptions: SweepPartialsOptions = {}): Promise<SweepPartialsResult> {
    const result = { orgs: 0, seen: 0, enqueued: 0, skipped: 0, invalid: 0 };
    for (const orgId of await listConnectedOrgIds(ctx.db)) {
      if (sweepOptions.signal?.aborted) break;
      result.orgs += 1;
      const progress = { orgId, seen: 0, enqueued: 0, skipped: 0 };
      for await (const page of source(orgId)) {
        if (sweepOptions.signal?.aborted) break;
        const invites = Array.isArray(page) ? page : [page];
        const own: AssessmentInvite[] = [];
        for (const invite of invites) {
          if (invite.orgId === orgId) own.push(invite);
          else {
            result.invalid += 1;
            ctx.logger.warn('partial sweep skipped an invite of another org', { orgId, inviteId: invite.id });
          }
        }
        progress.seen += invites.length;
        result.seen += invites.length;
        if (sweepOptions.dryRun) {
          progress.enqueued += own.length;
          result.enqueued += own.length;
        } else {
          const stored = await enqueueMany(own);
          progress.enqueued += stored.enqueued;
          progress.skipped += stored.skipped;
          result.enqueued += stored.enqueued;
          result.skipped += stored.skipped;
          result.invalid += stored.invalid;
        }
        sweepOptions.onProgress?.({ ...progress });
      }
    }
    return result;
  }

  return { enqueue, enqueueMany, sweepPartials };
}
