// The chaos workload: candidates and the snapshots a host would hand the kit for them, each tagged
// with the stage of the run at which it is handed over. Pure and seeded, so a failing run can be
// replayed with the same `--seed` and every rule of score-mapping.md has candidates that exercise it.
import type { AssessmentInvite, TestSlug } from '@jobcannon/hubspot-core';

/** What the run does with a candidate, i.e. which rule it exercises. */
export type CandidateKind =
  /** One completed snapshot. */
  | 'completed-once'
  /** A completed snapshot, later a newer completed one (re-score or retake): the newer must win. */
  | 'newer-completed'
  /** The newer completed snapshot reaches the kit first, the older one afterwards: the newer must stay. */
  | 'older-arrives-late'
  /** In progress: only the partial sweep sends it. */
  | 'in-progress'
  /** Completed before the sweep, but the sweep's page still lists it as in progress: completed must stay. */
  | 'completes-before-sweep'
  /** Completes while the two sweeps run: completed must win whatever the interleaving. */
  | 'completes-during-sweep'
  /** Completes after the sweep pushed its partial: completed must replace the partial. */
  | 'completes-after-sweep'
  /**
   * A retake under a new invite with a partly different set of tests (finished, or still in
   * progress): the newer invite owns the status, each test shows its latest result, and the tests
   * only the older invite took keep its results (latest-per-test).
   */
  | 'retake-other-tests'
  /** HubSpot rejects the email (`.con`): must end failed with a reason, never lost, never blocking others. */
  | 'invalid-email';

export const CANDIDATE_KINDS: readonly CandidateKind[] = [
  'completed-once',
  'newer-completed',
  'older-arrives-late',
  'in-progress',
  'completes-before-sweep',
  'completes-during-sweep',
  'completes-after-sweep',
  'retake-other-tests',
  'invalid-email',
];

/** When in the run a snapshot is handed to the kit. */
export type Stage =
  | { kind: 'stream'; slice: number }
  | { kind: 'sweep' }
  | { kind: 'during-sweep' }
  | { kind: 'after-sweep' }
  | { kind: 'late' };

export interface PlannedSnapshot {
  invite: AssessmentInvite;
  stage: Stage;
  /** For reports: which of the candidate's snapshots this is. */
  label: 'completed' | 'newer' | 'older' | 'partial' | 'completion';
}

export interface Candidate {
  orgId: string;
  hubId: number;
  index: number;
  kind: CandidateKind;
  /** Normalised (trimmed, lower-cased): the key HubSpot upserts on. */
  email: string;
  snapshots: PlannedSnapshot[];
}

export interface OrgPortal {
  orgId: string;
  hubId: number;
}

export interface WorkloadOptions {
  /** Candidates in total, spread over the orgs. */
  invites: number;
  seed: number;
  orgs: readonly OrgPortal[];
  /** Stream slices: the completed snapshots arrive in this many portions, disruptions between them. */
  slices: number;
  /** Candidates with an email HubSpot rejects, in total (dealt round-robin over the orgs). */
  invalidTotal: number;
}

export interface Workload {
  options: WorkloadOptions;
  candidates: Candidate[];
}

/** Shares of each org's valid candidates per kind (the rest are `completed-once`). */
const SHARES: ReadonlyArray<readonly [CandidateKind, number]> = [
  ['newer-completed', 0.06],
  ['older-arrives-late', 0.02],
  ['in-progress', 0.05],
  ['completes-before-sweep', 0.02],
  ['completes-during-sweep', 0.03],
  ['completes-after-sweep', 0.02],
  ['retake-other-tests', 0.03],
];

/** mulberry32: tiny, fast, and good enough to pick scores and shuffles reproducibly. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Rng = () => number;

const int = (rng: Rng, min: number, max: number): number => min + Math.floor(rng() * (max - min + 1));
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;

function shuffle<T>(rng: Rng, items: T[]): T[] {
  for (let index = items.length - 1; index > 0; index -= 1) {
    const other = Math.floor(rng() * (index + 1));
    [items[index], items[other]] = [items[other]!, items[index]!];
  }
  return items;
}

/** A 0–100 score; a fifth carry decimals so number formatting is exercised too. */
function score(rng: Rng): number {
  return rng() < 0.2 ? Math.round(rng() * 10_000) / 100 : int(rng, 0, 100);
}

function resultFor(rng: Rng, slug: TestSlug): NonNullable<AssessmentInvite['tests'][number]['result']> {
  switch (slug) {
    case 'disc':
      return { dimensions: ['Dominance', 'Influence', 'Steadiness', 'Conscientiousness'].map((name) => ({ name, score: score(rng) })) };
    case 'big-five': {
      const dimensions = ['Openness', 'Conscientiousness', 'Extraversion', 'Agreeableness'].map((name) => ({ name, score: score(rng) }));
      // Some envelopes report Emotional Stability instead of Neuroticism (mapped as 100 - score).
      dimensions.push({ name: rng() < 0.5 ? 'Neuroticism' : 'Emotional Stability', score: int(rng, 0, 100) });
      return { dimensions };
    }
    case 'iq':
      return { score: int(rng, 70, 145) };
    case 'integrity':
      return { score: score(rng) };
    case 'mbti': {
      const code = [pick(rng, ['E', 'I']), pick(rng, ['S', 'N']), pick(rng, ['T', 'F']), pick(rng, ['J', 'P'])].join('');
      return { code: rng() < 0.2 ? code.toLowerCase() : code };
    }
    case 'riasec':
      return { code: shuffle(rng, ['R', 'I', 'A', 'S', 'E', 'C']).slice(0, 3).join('') };
  }
}

const SLUGS: readonly TestSlug[] = ['disc', 'big-five', 'iq', 'integrity', 'mbti', 'riasec'];

/** How the host spells the email: usually clean, sometimes with capitals and spaces the kit must normalise. */
function spelled(rng: Rng, email: string): string {
  if (rng() >= 0.1) return email;
  const [local = '', domain = ''] = email.split('@');
  return ` ${local.charAt(0).toUpperCase()}${local.slice(1)}@${domain.toUpperCase()} `;
}

interface InviteSpec {
  id: string;
  orgId: string;
  email: string;
  slugs: readonly TestSlug[];
  createdAt: number;
  updatedAt: number;
  /** How many of `slugs` (from the first) are completed; all of them = a completed invite. */
  done: number;
  /** Results of tests already done in an earlier snapshot, kept so a completion extends its partial. */
  keep?: AssessmentInvite['tests'];
}

function makeInvite(rng: Rng, spec: InviteSpec): AssessmentInvite {
  const completed = spec.done === spec.slugs.length;
  const updatedAt = new Date(spec.updatedAt).toISOString();
  const tests = spec.slugs.map((slug, index): AssessmentInvite['tests'][number] => {
    if (index >= spec.done) return { slug, status: rng() < 0.5 ? 'in_progress' : 'pending' };
    const kept = spec.keep?.find((test) => test.slug === slug && test.status === 'completed');
    if (kept) return kept;
    return { slug, status: 'completed', completedAt: updatedAt, result: resultFor(rng, slug) };
  });
  return {
    id: spec.id,
    orgId: spec.orgId,
    email: spec.email,
    status: completed ? 'completed' : 'in_progress',
    tests,
    createdAt: new Date(spec.createdAt).toISOString(),
    updatedAt,
    completedAt: completed ? updatedAt : null,
  };
}

const HOUR = 3_600_000;
const BASE_TIME = Date.UTC(2026, 4, 1);

/** Assigns kinds per org: a fixed number of invalid emails, the shares above, the rest completed once. */
function kindsFor(rng: Rng, count: number, invalid: number): CandidateKind[] {
  const kinds: CandidateKind[] = [];
  for (let index = 0; index < Math.min(invalid, count); index += 1) kinds.push('invalid-email');
  const valid = count - kinds.length;
  for (const [kind, share] of SHARES) {
    // At least one of each kind when there is room, so even a tiny run exercises every rule.
    const wanted = Math.max(valid >= SHARES.length * 4 ? 1 : 0, Math.round(valid * share));
    for (let index = 0; index < wanted && kinds.length < count; index += 1) kinds.push(kind);
  }
  while (kinds.length < count) kinds.push('completed-once');
  return shuffle(rng, kinds);
}

export function buildWorkload(options: WorkloadOptions): Workload {
  const rng = createRandom(options.seed);
  const slices = Math.max(2, options.slices);
  const lastSlice = slices - 1;
  const candidates: Candidate[] = [];
  options.orgs.forEach((org, orgIndex) => {
    const count = Math.floor(options.invites / options.orgs.length) + (orgIndex < options.invites % options.orgs.length ? 1 : 0);
    const invalid = Math.floor(options.invalidTotal / options.orgs.length) + (orgIndex < options.invalidTotal % options.orgs.length ? 1 : 0);
    const kinds = kindsFor(rng, count, invalid);
    kinds.forEach((kind, index) => {
      // Every org uses the same email namespace: a candidate invited by two companies exists in both
      // portals with different scores, so a write reaching the wrong portal shows up as a wrong field.
      const email = kind === 'invalid-email' ? `x.${index}@example.con` : `candidate.${index}@example.com`;
      const id = `inv_${org.orgId}_${index}`;
      const createdAt = BASE_TIME + index * 60_000 + orgIndex * 7_000;
      const slugs = shuffle(rng, [...SLUGS]).slice(0, int(rng, 2, 4));
      const base = { orgId: org.orgId, slugs, createdAt };
      const slice = int(rng, 0, lastSlice);
      const snapshots: PlannedSnapshot[] = [];
      const add = (invite: AssessmentInvite, stage: Stage, label: PlannedSnapshot['label']) => snapshots.push({ invite, stage, label });

      switch (kind) {
        case 'completed-once':
        case 'invalid-email':
          add(makeInvite(rng, { ...base, id, email: spelled(rng, email), updatedAt: createdAt + 2 * HOUR, done: slugs.length }), { kind: 'stream', slice }, 'completed');
          break;
        case 'newer-completed':
        case 'older-arrives-late': {
          const older = makeInvite(rng, { ...base, id, email: spelled(rng, email), updatedAt: createdAt + 2 * HOUR, done: slugs.length });
          // Half are a re-score of the same invite, half a retake under a new invite id.
          const newerId = rng() < 0.5 ? id : `${id}_retake`;
          const newer = makeInvite(rng, { ...base, id: newerId, email: spelled(rng, email), updatedAt: createdAt + 26 * HOUR, done: slugs.length });
          const first = int(rng, 0, Math.max(0, lastSlice - 1));
          const roll = rng();
          // Same slice (the outbox coalesces), a few slices later (after the first was pushed), or at the very end.
          const second: Stage = roll < 0.3 ? { kind: 'stream', slice: first } : roll < 0.8 ? { kind: 'stream', slice: Math.min(lastSlice, first + int(rng, 1, 5)) } : { kind: 'late' };
          if (kind === 'newer-completed') {
            add(older, { kind: 'stream', slice: first }, 'older');
            add(newer, second, 'newer');
          } else {
            add(newer, { kind: 'stream', slice: first }, 'newer');
            add(older, second, 'older');
          }
          break;
        }
        case 'retake-other-tests': {
          const older = makeInvite(rng, { ...base, id, email: spelled(rng, email), updatedAt: createdAt + 2 * HOUR, done: slugs.length });
          // Keep one test of the older invite, add one or two it did not take.
          const others = shuffle(rng, SLUGS.filter((slug) => !slugs.includes(slug)));
          const retakeSlugs = [slugs[0]!, ...others.slice(0, int(rng, 1, 2))];
          const done = rng() < 0.5 ? retakeSlugs.length : int(rng, 1, retakeSlugs.length - 1);
          const newer = makeInvite(rng, { ...base, slugs: retakeSlugs, id: `${id}_retake`, email: spelled(rng, email), updatedAt: createdAt + 26 * HOUR, done });
          const first = int(rng, 0, Math.max(0, lastSlice - 1));
          const roll = rng();
          const second: Stage = roll < 0.3 ? { kind: 'stream', slice: first } : roll < 0.8 ? { kind: 'stream', slice: Math.min(lastSlice, first + int(rng, 1, 5)) } : { kind: 'late' };
          add(older, { kind: 'stream', slice: first }, 'older');
          add(newer, second, 'newer');
          break;
        }
        case 'in-progress':
        case 'completes-before-sweep':
        case 'completes-during-sweep':
        case 'completes-after-sweep': {
          const done = int(rng, 1, slugs.length - 1);
          const partial = makeInvite(rng, { ...base, id, email: spelled(rng, email), updatedAt: createdAt + HOUR, done });
          add(partial, { kind: 'sweep' }, 'partial');
          if (kind !== 'in-progress') {
            const completion = makeInvite(rng, { ...base, id, email: spelled(rng, email), updatedAt: createdAt + 3 * HOUR, done: slugs.length, keep: partial.tests });
            const stage: Stage = kind === 'completes-before-sweep' ? { kind: 'stream', slice } : kind === 'completes-during-sweep' ? { kind: 'during-sweep' } : { kind: 'after-sweep' };
            add(completion, stage, 'completion');
          }
          break;
        }
      }
      candidates.push({ orgId: org.orgId, hubId: org.hubId, index, kind, email, snapshots });
    });
  });
  return { options: { ...options, slices }, candidates };
}

/** The snapshots of one stage, in a seeded but stage-stable order (so slices interleave orgs). */
export function snapshotsAt(workload: Workload, matches: (stage: Stage) => boolean): Array<{ candidate: Candidate; snapshot: PlannedSnapshot }> {
  const found: Array<{ candidate: Candidate; snapshot: PlannedSnapshot }> = [];
  for (const candidate of workload.candidates) for (const snapshot of candidate.snapshots) if (matches(snapshot.stage)) found.push({ candidate, snapshot });
  return shuffle(createRandom(workload.options.seed ^ found.length), found);
}
