// The host's past completed invites for the backfill scenario (backfill-kill.ts), built from the
// seeded workload so the parent and the child process that is killed construct the very same list
// and pages: pure, no I/O. Cursor = the index of the next invite, as a string (null = the start).
import type { AssessmentInvite, CompletedInviteSource } from '@jobcannon/hubspot-core';
import { buildWorkload, type OrgPortal, type Workload } from './workload.js';

export interface PastInvitesOptions {
  org: OrgPortal;
  /** Candidates (each has one or two completed invites: retakes and re-scores). */
  candidates: number;
  seed: number;
}

export interface PastInvites {
  workload: Workload;
  /** Completed invites in the order the host lists them (by completion time, then id). */
  invites: AssessmentInvite[];
}

/**
 * What a host's "completed invites of this org" table holds: every completed invite once, in its
 * current state (a re-scored invite is one row with its latest result), oldest completion first.
 * A retake is a second invite, usually several pages later, so the merge rules span pages.
 */
export function pastInvites(options: PastInvitesOptions): PastInvites {
  const workload = buildWorkload({ invites: options.candidates, seed: options.seed, orgs: [options.org], slices: 2, invalidTotal: 0 });
  const byId = new Map<string, AssessmentInvite>();
  for (const candidate of workload.candidates) {
    for (const { invite } of candidate.snapshots) {
      if (invite.status !== 'completed') continue;
      const known = byId.get(invite.id);
      if (!known || Date.parse(invite.updatedAt) > Date.parse(known.updatedAt)) byId.set(invite.id, invite);
    }
  }
  const invites = [...byId.values()].sort((a, b) => Date.parse(a.completedAt!) - Date.parse(b.completedAt!) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { workload, invites };
}

/** The cursor of the page that starts at `index` (null for the first page). */
export function cursorAt(index: number): string | null {
  return index === 0 ? null : String(index);
}

export interface PageServed {
  /** The cursor the kit asked with ("start" for null). */
  cursor: string;
  from: number;
  to: number;
}

/**
 * A `CompletedInviteSource` over the list, in pages of `pageSize`. `onPage` is told of every page
 * before it is handed over (the scenario counts pages read per cursor); `pauseMs` between pages is
 * a host's slow query, so a kill lands mid-run.
 */
export function createPastInviteSource(
  invites: readonly AssessmentInvite[],
  options: { pageSize: number; onPage?: (page: PageServed) => void; pauseMs?: number; sleep?: (ms: number) => Promise<void> },
): CompletedInviteSource {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return {
    count: async (orgId) => invites.filter((invite) => invite.orgId === orgId).length,
    async *pages(orgId, cursor) {
      const own = invites.filter((invite) => invite.orgId === orgId);
      const start = cursor === null ? 0 : Number(cursor);
      if (!Number.isInteger(start) || start < 0) throw new Error(`past invites: bad cursor ${cursor}`);
      for (let from = start; from < own.length; from += options.pageSize) {
        if (from > start && options.pauseMs) await sleep(options.pauseMs);
        const to = Math.min(own.length, from + options.pageSize);
        options.onPage?.({ cursor: cursorAt(from) ?? 'start', from, to });
        yield { invites: own.slice(from, to), nextCursor: to >= own.length ? null : String(to) };
      }
    },
  };
}
