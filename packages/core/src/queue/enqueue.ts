import type { Knex } from 'knex';
import { HubSpotKitError, isHubSpotKitError, type ErrorDetails } from '../errors.js';
import type { IntegrationContext } from '../integration/integration-context.js';
import type { EnqueueOutcome, InProgressInviteSource, SweepPartialsOptions, SweepPartialsResult } from '../integration/types.js';
import type { AssessmentInvite } from '../mapping/assessment-invite.js';
import { mapInviteToProperties, normalizeEmail } from '../mapping/map-invite.js';
import { listConnectedOrgIds } from '../storage/connections-repository.js';
import { recordInvalidSnapshot, supersedeInvalidSnapshots } from '../storage/failures-repository.js';
import { upsertSnapshot } from '../storage/outbox-repository.js';

/**
 * Putting results in the outbox: one invite (the host's transactional outbox call), and the nightly
 * sweep of in-progress invites streamed from the host.
 */
export function createEnqueue(ctx: IntegrationContext, deps: { nudge: () => void }) {
  async function enqueue(invite: AssessmentInvite, trx?: Knex.Transaction): Promise<EnqueueOutcome> {
    const target = trx ?? ctx.db;
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
    let snapshot: 'completed' | 'partial';
    let failed: { code: 'INVALID_INVITE'; message: string; details: ErrorDetails } | undefined;
    try {
      snapshot = mapInviteToProperties(invite, { resultUrlBase: ctx.settings.resultUrlBase }).jc_test_status === 'completed' ? 'completed' : 'partial';
    } catch (error) {
      if (!isHubSpotKitError(error, 'INVALID_INVITE')) throw error;
      // Kept, with its reason, for the admin: never lost and never blocking the others.
      failed = { code: 'INVALID_INVITE', message: error.message, details: { ...error.details, email: normalizeEmail(rawEmail) } };
      snapshot = raw.status === 'completed' ? 'completed' : 'partial';
    }
    const updatedAt = typeof raw.updatedAt === 'string' && !Number.isNaN(Date.parse(raw.updatedAt)) ? new Date(raw.updatedAt) : ctx.now();
    const email = normalizeEmail(rawEmail);
    const inviteId = String(raw.id ?? '');
    if (failed) {
      // Kept apart from the candidate's outbox row: a valid snapshot queued or held for the same
      // candidate still lands, and this one is listed on its own for the admin.
      const failureId = await recordInvalidSnapshot(target, { orgId, email, inviteId, inviteUpdatedAt: updatedAt, payload: invite, error: failed }, ctx.now());
      if (failureId === null) return { queued: false, reason: 'stale' };
      return { queued: true, rowId: failureId, snapshot, failed };
    }
    const stored = await upsertSnapshot(target, { orgId, email, inviteId, snapshot, inviteUpdatedAt: updatedAt, payload: invite }, ctx.now(), ctx.settings.mergePolicy);
    if (stored.outcome === 'ignored') return { queued: false, reason: stored.reason };
    // The host corrected the invite: its older invalid versions are no longer failures.
    await supersedeInvalidSnapshots(target, { orgId, email, inviteId, upTo: updatedAt });
    // Inside the host's transaction, push once it commits (a rolled-back invite is not pushed).
    if (trx) void trx.executionPromise.then(deps.nudge, () => {});
    else deps.nudge();
    return { queued: true, rowId: stored.row.id, snapshot };
  }

  async function sweepPartials(source: InProgressInviteSource, sweepOptions: SweepPartialsOptions = {}): Promise<SweepPartialsResult> {
    const result = { orgs: 0, seen: 0, enqueued: 0, skipped: 0, invalid: 0 };
    for (const orgId of await listConnectedOrgIds(ctx.db)) {
      if (sweepOptions.signal?.aborted) break;
      result.orgs += 1;
      const progress = { orgId, seen: 0, enqueued: 0, skipped: 0 };
      for await (const page of source(orgId)) {
        for (const invite of Array.isArray(page) ? page : [page]) {
          if (sweepOptions.signal?.aborted) break;
          progress.seen += 1;
          result.seen += 1;
          if (invite.orgId !== orgId) {
            result.invalid += 1;
            ctx.logger.warn('partial sweep skipped an invite of another org', { orgId, inviteId: invite.id });
            continue;
          }
          if (sweepOptions.dryRun) {
            progress.enqueued += 1;
            result.enqueued += 1;
            continue;
          }
          try {
            const outcome = await enqueue(invite);
            if (!outcome.queued) {
              progress.skipped += 1;
              result.skipped += 1;
            } else if ('failed' in outcome) {
              result.invalid += 1;
            } else {
              progress.enqueued += 1;
              result.enqueued += 1;
            }
          } catch (error) {
            if (!isHubSpotKitError(error, 'INVALID_INVITE')) throw error;
            result.invalid += 1;
          }
        }
        sweepOptions.onProgress?.({ ...progress });
        if (sweepOptions.signal?.aborted) break;
      }
    }
    return result;
  }

  return { enqueue, sweepPartials };
}
