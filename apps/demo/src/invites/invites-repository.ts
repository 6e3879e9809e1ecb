import { randomBytes } from 'node:crypto';
import type { AssessmentInvite, AssignedTest, CompletedInviteSource, EnqueueOutcome, HubSpotIntegration, InProgressInviteSource, InviteStatus, ResultEnvelope, TestSlug } from '@jobcannon/hubspot-core';
import type { Knex } from 'knex';
import { HttpError } from '../http-error.js';

/** A row of JobCannon's `invites` table (see invite-migrations.ts). */
interface InviteRow {
  id: string;
  org_id: string;
  email: string;
  status: InviteStatus;
  tests: AssignedTest[];
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
  expires_at: Date | null;
  first_name: string | null;
  last_name: string | null;
}

/** Invites stay open this long, like JobCannon's (nothing expires them in the demo). */
const INVITE_LIFETIME_MS = 14 * 24 * 3600_000;

const iso = (value: Date | null): string | null => (value === null ? null : new Date(value).toISOString());

/** The row in the shape the kit takes, which is also what the demo's API answers with. */
export function toAssessmentInvite(row: InviteRow): AssessmentInvite {
  return {
    id: row.id,
    orgId: row.org_id,
    email: row.email,
    status: row.status,
    tests: row.tests,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
    completedAt: iso(row.completed_at),
    expiresAt: iso(row.expires_at),
    firstName: row.first_name ?? null,
    lastName: row.last_name ?? null,
  };
}

export interface CreateInviteInput {
  orgId: string;
  email: string;
  tests: TestSlug[];
  firstName?: string | null;
  lastName?: string | null;
  now?: Date;
}

const blankToNull = (value: string | null | undefined): string | null => (value && value.trim() ? value.trim() : null);

export async function createInvite(db: Knex, input: CreateInviteInput): Promise<AssessmentInvite> {
  const now = input.now ?? new Date();
  const row: InviteRow = {
    id: `inv_${randomBytes(6).toString('hex')}`,
    org_id: input.orgId,
    email: input.email.trim(),
    status: 'invited',
    tests: input.tests.map((slug) => ({ slug, status: 'pending' })),
    created_at: now,
    updated_at: now,
    completed_at: null,
    expires_at: new Date(now.getTime() + INVITE_LIFETIME_MS),
    first_name: blankToNull(input.firstName),
    last_name: blankToNull(input.lastName),
  };
  // jsonb goes in as text: node-postgres would turn a JS array into a PostgreSQL array literal.
  await db('invites').insert({ ...row, tests: JSON.stringify(row.tests) });
  return toAssessmentInvite(row);
}

export async function getInvite(db: Knex, orgId: string, id: string): Promise<AssessmentInvite | null> {
  const row = await db<InviteRow>('invites').where({ id, org_id: orgId }).first();
  return row ? toAssessmentInvite(row) : null;
}

/** The candidate's other invites in the org (same email, any case), newest first: their HubSpot contact merges them all. */
export async function otherInvitesOf(db: Knex, invite: AssessmentInvite, limit = 20): Promise<AssessmentInvite[]> {
  const rows = await db<InviteRow>('invites')
    .where({ org_id: invite.orgId })
    .whereRaw('lower(email) = lower(?)', [invite.email])
    .whereNot({ id: invite.id })
    .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }])
    .limit(limit);
  return rows.map(toAssessmentInvite);
}

export async function listInvites(db: Knex, orgId: string, limit = 50): Promise<{ items: AssessmentInvite[]; total: number }> {
  const [rows, count] = await Promise.all([
    db<InviteRow>('invites').where({ org_id: orgId }).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(limit),
    db('invites').where({ org_id: orgId }).count<Array<{ count: string | number }>>({ count: '*' }),
  ]);
  return { items: rows.map(toAssessmentInvite), total: Number(count[0]?.count ?? 0) };
}

export interface RecordResultInput {
  orgId: string;
  inviteId: string;
  slug: TestSlug;
  result: ResultEnvelope;
  now?: Date;
}

export interface RecordResultOutcome {
  invite: AssessmentInvite;
  /** What the kit did with the snapshot; null while tests are still open (the nightly sweep sends partials). */
  hubspot: EnqueueOutcome | null;
}

/**
 * Records one finished test. When it was the invite's last open test, the invite becomes
 * `completed` and its snapshot is queued for HubSpot with `integration.enqueue(invite, trx)`
 * INSIDE the same transaction: the transactional outbox. Either both the completed invite and its
 * outbox row commit, or neither does, so a crash in between can never lose a result; the kit
 * pushes the row once the transaction has committed.
 */
export async function recordResult(db: Knex, integration: Pick<HubSpotIntegration, 'enqueue'>, input: RecordResultInput): Promise<RecordResultOutcome> {
  return db.transaction(async (trx) => {
    // Always `trx` inside: on PGlite (one connection) touching `db` here would wait forever.
    const row = await trx<InviteRow>('invites').where({ id: input.inviteId, org_id: input.orgId }).forUpdate().first();
    if (!row) throw new HttpError(404, 'NOT_FOUND', `No invite ${input.inviteId} in this organization.`);
    if (row.status === 'expired') throw new HttpError(409, 'INVITE_EXPIRED', `Invite ${row.id} has expired.`);
    const index = row.tests.findIndex((test) => test.slug === input.slug);
    if (index < 0) {
      throw new HttpError(422, 'TEST_NOT_ASSIGNED', `Invite ${row.id} has no ${input.slug} test (assigned: ${row.tests.map((test) => test.slug).join(', ')}).`);
    }
    if (row.tests[index]!.status === 'completed') throw new HttpError(409, 'TEST_ALREADY_COMPLETED', `The ${input.slug} test of invite ${row.id} already has a result.`);

    // Strictly later than the last write: the kit keeps the newest snapshot by this timestamp.
    const at = new Date(Math.max((input.now ?? new Date()).getTime(), new Date(row.updated_at).getTime() + 1));
    const tests = row.tests.map((test, i) => (i === index ? { slug: test.slug, status: 'completed' as const, completedAt: at.toISOString(), result: input.result } : test));
    const done = tests.every((test) => test.status === 'completed');
    const updated: InviteRow = { ...row, tests, status: done ? 'completed' : 'in_progress', updated_at: at, completed_at: done ? at : null };
    await trx('invites')
      .where({ id: row.id })
      .update({ tests: JSON.stringify(tests), status: updated.status, updated_at: at, completed_at: updated.completed_at });

    const invite = toAssessmentInvite(updated);
    const hubspot = done ? await integration.enqueue(invite, trx) : null;
    return { invite, hubspot };
  });
}

/**
 * The sweep's source of partial snapshots: an org's in-progress invites, page by page in id order
 * (keyset pagination), so a large org is streamed and never loaded whole.
 */
export function inProgressInvites(db: Knex, pageSize = 500): InProgressInviteSource {
  return async function* pages(orgId) {
    let after = '';
    for (;;) {
      const rows = await db<InviteRow>('invites').where({ org_id: orgId, status: 'in_progress' }).andWhere('id', '>', after).orderBy('id').limit(pageSize);
      if (rows.length === 0) return;
      yield rows.map(toAssessmentInvite);
      if (rows.length < pageSize) return;
      after = rows[rows.length - 1]!.id;
    }
  };
}

export interface CorrectInviteInput {
  orgId: string;
  inviteId: string;
  email?: string;
  /** A completed test's result, replaced (a typo in a score). */
  result?: { slug: TestSlug; result: ResultEnvelope };
  now?: Date;
}

/**
 * The host fixes an invite (an email HubSpot refused, a score out of range). A completed invite's
 * newer snapshot is queued in the same transaction: the kit sends it and it supersedes the failure
 * of the older version. Returns the invite and, when the email changed, the email it had.
 */
export async function correctInvite(
  db: Knex,
  integration: Pick<HubSpotIntegration, 'enqueue'>,
  input: CorrectInviteInput,
): Promise<RecordResultOutcome & { previousEmail: string }> {
  return db.transaction(async (trx) => {
    const row = await trx<InviteRow>('invites').where({ id: input.inviteId, org_id: input.orgId }).forUpdate().first();
    if (!row) throw new HttpError(404, 'NOT_FOUND', `No invite ${input.inviteId} in this organization.`);
    let tests = row.tests;
    if (input.result) {
      const { slug, result } = input.result;
      const index = tests.findIndex((test) => test.slug === slug);
      if (index < 0 || tests[index]!.status !== 'completed') throw new HttpError(422, 'TEST_NOT_COMPLETED', `Invite ${row.id} has no completed ${slug} test to correct.`);
      tests = tests.map((test, i) => (i === index ? { ...test, result } : test));
    }
    const at = new Date(Math.max((input.now ?? new Date()).getTime(), new Date(row.updated_at).getTime() + 1));
    const updated: InviteRow = { ...row, tests, email: input.email?.trim() ?? row.email, updated_at: at };
    await trx('invites').where({ id: row.id }).update({ tests: JSON.stringify(tests), email: updated.email, updated_at: at });
    const invite = toAssessmentInvite(updated);
    const hubspot = invite.status === 'completed' ? await integration.enqueue(invite, trx) : null;
    return { invite, hubspot, previousEmail: row.email };
  });
}

/**
 * The backfill's source: an org's completed invites in id order, a page at a time from a cursor
 * (the last id of the page before), so the kit can resume where a restart stopped it.
 */
export function completedInvites(db: Knex, pageSize = 200): CompletedInviteSource {
  return {
    async count(orgId) {
      const [row] = await db('invites').where({ org_id: orgId, status: 'completed' }).count<Array<{ count: string | number }>>({ count: '*' });
      return Number(row?.count ?? 0);
    },
    async *pages(orgId, cursor) {
      let after = cursor ?? '';
      for (;;) {
        const rows = await db<InviteRow>('invites').where({ org_id: orgId, status: 'completed' }).andWhere('id', '>', after).orderBy('id').limit(pageSize);
        if (rows.length === 0) return;
        const last = rows[rows.length - 1]!.id;
        yield { invites: rows.map(toAssessmentInvite), nextCursor: rows.length < pageSize ? null : last };
        if (rows.length < pageSize) return;
        after = last;
      }
    },
  };
}
