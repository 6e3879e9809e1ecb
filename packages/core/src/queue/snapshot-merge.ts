import type { AssessmentInvite, ResultEnvelope } from '../mapping/assessment-invite.js';
import type { CarriedTest, MergePolicy } from '../mapping/map-invite.js';
import type { OutboxStatus, SnapshotKind } from '../storage/rows.js';

/**
 * Which snapshot of a candidate the outbox keeps, and which finished tests of earlier invites a
 * push must still carry (score-mapping.md, "Which snapshot wins, per org and email"). Pure, so the
 * rules are table-tested apart from the SQL that applies them under a row lock.
 */
export interface StoredSnapshot {
  inviteId: string;
  snapshot: SnapshotKind;
  inviteUpdatedAt: Date;
  payload: unknown;
  carried: readonly CarriedTest[];
  status: OutboxStatus;
}

export interface IncomingSnapshot {
  inviteId: string;
  snapshot: SnapshotKind;
  inviteUpdatedAt: Date;
  payload: unknown;
}

export type MergeDecision =
  /** The incoming snapshot becomes the row's, carrying these finished tests of earlier invites. */
  | { action: 'replace'; carried: CarriedTest[] }
  /**
   * The row keeps its snapshot, but the incoming (older) invite finished a test the row knows no
   * result of: carry it and push the row again.
   */
  | { action: 'carry'; carried: CarriedTest[] }
  | { action: 'ignore'; reason: 'stale' | 'partial_after_completed' };

/** The finished tests of a stored (already validated) invite, as carried results. */
export function finishedTests(payload: unknown, inviteId: string): CarriedTest[] {
  const invite = payload as Partial<AssessmentInvite> | null;
  if (!invite || !Array.isArray(invite.tests)) return [];
  const fallback = invite.completedAt ?? invite.updatedAt ?? null;
  return invite.tests
    .filter((test) => test.status === 'completed' && test.result)
    .map((test) => ({ slug: test.slug, completedAt: test.completedAt ?? fallback, result: { ...test.result, dimensions: test.result?.dimensions ?? [] } as ResultEnvelope, inviteId }));
}

function finishedAt(test: CarriedTest): number {
  const at = test.completedAt === null ? Number.NaN : Date.parse(test.completedAt);
  return Number.isNaN(at) ? 0 : at;
}

/** One result per test: the one finished last (a later entry wins a tie). */
export function latestPerTest(tests: readonly CarriedTest[]): CarriedTest[] {
  const bySlug = new Map<string, CarriedTest>();
  for (const test of tests) {
    const current = bySlug.get(test.slug);
    if (!current || finishedAt(test) >= finishedAt(current)) bySlug.set(test.slug, test);
  }
  return [...bySlug.values()];
}

/**
 * - Same invite: a completed snapshot beats a partial one; otherwise the newer snapshot wins.
 * - Different invites: the invite with the most recent activity owns the row (and the status
 *   properties), even a partial of a newer invite over an older completed one.
 * - `latest-per-test`: the row keeps, beside its snapshot, the latest finished result of every
 *   other test the candidate took (`carried`), pushed or not. So a push never drops a result, and an
 *   older invite arriving late cannot overwrite a result finished after it: its tests go through
 *   the same "latest per test" choice. Each push re-sends them (same values; HubSpot keeps them).
 */
export function decideSnapshotMerge(existing: StoredSnapshot, incoming: IncomingSnapshot, policy: MergePolicy): MergeDecision {
  const sameInvite = existing.inviteId === incoming.inviteId;
  let wins: boolean;
  let reason: 'stale' | 'partial_after_completed' = 'stale';
  if (sameInvite && existing.snapshot === 'completed' && incoming.snapshot === 'partial') {
    wins = false;
    reason = 'partial_after_completed';
  } else if (sameInvite && existing.snapshot === 'partial' && incoming.snapshot === 'completed') {
    wins = true;
  } else {
    wins = incoming.inviteUpdatedAt.getTime() >= existing.inviteUpdatedAt.getTime();
  }
  if (policy === 'replace') return wins ? { action: 'replace', carried: [] } : { action: 'ignore', reason };

  const existingOwn = finishedTests(existing.payload, existing.inviteId);
  if (wins) {
    // The incoming snapshot's own finished tests are mapped from its payload; carry the others.
    const own = new Set(finishedTests(incoming.payload, incoming.inviteId).map((test) => test.slug));
    const known = latestPerTest([...existing.carried, ...(sameInvite ? [] : existingOwn)]);
    return { action: 'replace', carried: known.filter((test) => !own.has(test.slug)) };
  }
  if (sameInvite) return { action: 'ignore', reason };
  // An older invite arriving late: its status loses, but a test it finished that the row has no
  // own result for still counts, if it is the latest finish of that test the row knows.
  const own = new Set(existingOwn.map((test) => test.slug));
  const offered = finishedTests(incoming.payload, incoming.inviteId).filter((test) => !own.has(test.slug));
  const merged = latestPerTest([...existing.carried, ...offered]);
  const key = (tests: readonly CarriedTest[]) => tests.map((test) => `${test.slug}:${test.inviteId}:${test.completedAt}`).sort().join('|');
  return key(merged) === key(existing.carried) ? { action: 'ignore', reason } : { action: 'carry', carried: merged };
}
