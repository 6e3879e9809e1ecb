import type { CrmApi } from '../hubspot/crm-api.js';
import type { IntegrationContext } from '../integration/integration-context.js';
import type { AssessmentInvite } from '../mapping/assessment-invite.js';
import { mapInviteToProperties } from '../mapping/map-invite.js';
import type { TokenKeeper } from '../oauth/token-keeper.js';
import { getConnection } from '../storage/connections-repository.js';
import { claimReadBacks, settleReadBacks } from '../storage/outbox-repository.js';
import type { OutboxRow } from '../storage/rows.js';
import { MAX_BATCH_SIZE } from './contact-delivery.js';
import type { RateLimiterRegistry } from './portal-rate-limiter.js';

const READ_BACKS_PER_PASS = 500;

/** HubSpot may print a value it stored differently from how we sent it (numbers, instants). */
function sameValue(sent: string, shown: string | null | undefined): boolean {
  const actual = shown ?? '';
  if (sent === actual) return true;
  if (sent === '' || actual === '') return false;
  if (!Number.isNaN(Number(sent)) && !Number.isNaN(Number(actual))) return Number(sent) === Number(actual);
  const sentAt = Date.parse(sent);
  return !Number.isNaN(sentAt) && sentAt === Date.parse(actual);
}

/**
 * The repair for a write HubSpot applies late. HubSpot has no conditional write: an upsert we gave
 * up on (timeout, reset) may still be applied after a newer push of the same contact, leaving the
 * older values for good. Rows with such a send in their history are read back (batch read by email)
 * once the abandoned request must have been applied or dropped (`readBackAfterMs`); a contact
 * showing anything but the row's latest snapshot is pushed again, so the last write HubSpot applies
 * is the newest. A clean history costs nothing: only rows marked after a timeout are read.
 */
export function createReadBack(ctx: IntegrationContext, deps: { crm: CrmApi; limiters: RateLimiterRegistry; tokens: TokenKeeper }) {
  const { resultUrlBase, mergePolicy, contactNames } = ctx.settings;

  async function verifyOrg(orgId: string, rows: OutboxRow[], signal: AbortSignal): Promise<{ matched: string[]; stale: string[] }> {
    const connection = await getConnection(ctx.db, orgId);
    const verdict = { matched: [] as string[], stale: [] as string[] };
    if (!connection || connection.status !== 'connected') return verdict;
    const limiter = deps.limiters.forPortal(connection.portalId, connection.rateLimitMax);
    for (let index = 0; index < rows.length; index += MAX_BATCH_SIZE) {
      const chunk = rows.slice(index, index + MAX_BATCH_SIZE);
      const expected = new Map(chunk.map((row) => [row.id, mapInviteToProperties(row.payload as AssessmentInvite, { resultUrlBase, mergePolicy, carriedTests: row.carried, contactNames })]));
      const names = [...new Set([...expected.values()].flatMap((properties) => Object.keys(properties)))];
      const token = await deps.tokens.accessToken(orgId);
      const response = await limiter.schedule(() => deps.crm.batchReadContactsByEmail(token, chunk.map((row) => row.email), [...names, 'email'], { signal }), signal);
      const byEmail = new Map(response.data.results.map((result) => [String(result.properties.email ?? '').trim().toLowerCase(), result.properties]));
      for (const row of chunk) {
        const shown = byEmail.get(row.email);
        const sent = expected.get(row.id)!;
        const same = shown !== undefined && Object.entries(sent).every(([name, value]) => sameValue(value ?? '', shown[name]));
        (same ? verdict.matched : verdict.stale).push(row.id);
      }
    }
    return verdict;
  }

  /** Reads back the rows whose time has come; returns how many were checked and pushed again. */
  return async function readBackDue(signal: AbortSignal): Promise<{ checked: number; repushed: number }> {
    const rows = await claimReadBacks(ctx.db, { now: ctx.now(), holdMs: ctx.settings.leaseMs, limit: READ_BACKS_PER_PASS });
    if (rows.length === 0) return { checked: 0, repushed: 0 };
    const byOrg = new Map<string, OutboxRow[]>();
    for (const row of rows) byOrg.set(row.orgId, [...(byOrg.get(row.orgId) ?? []), row]);
    let repushed = 0;
    for (const [orgId, orgRows] of byOrg) {
      try {
        const verdict = await verifyOrg(orgId, orgRows, signal);
        await settleReadBacks(ctx.db, { ...verdict, now: ctx.now() });
        if (verdict.stale.length > 0) ctx.logger.warn('read-back found an older write applied late; pushing the latest again', { orgId, contacts: verdict.stale.length });
        repushed += verdict.stale.length;
      } catch (error) {
        // Kept for the next pass (the claim moved their due time a lease ahead).
        ctx.logger.warn('read-back failed; will try again', { orgId, message: (error as Error).message });
      }
    }
    return { checked: rows.length, repushed };
  };
}

export type ReadBack = ReturnType<typeof createReadBack>;
