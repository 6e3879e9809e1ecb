import type { AssessmentInvite } from '@jobcannon/hubspot-core';
import type { RequestLogEntry } from '@jobcannon/hubspot-emulator';
import { describe, expect, it } from 'vitest';
import { pageReads, snapshotKey, upsertsPerSnapshot } from './backfill-kill.js';
import { createPastInviteSource, cursorAt, pastInvites, type PageServed } from './past-invites.js';

const ORG = { orgId: 'org-test', hubId: 1 };

async function readAll(source: ReturnType<typeof createPastInviteSource>, cursor: string | null): Promise<Array<{ ids: string[]; nextCursor: string | null }>> {
  const pages: Array<{ ids: string[]; nextCursor: string | null }> = [];
  for await (const page of source.pages(ORG.orgId, cursor)) pages.push({ ids: page.invites.map((invite) => invite.id), nextCursor: page.nextCursor });
  return pages;
}

describe('pastInvites', () => {
  it('builds the same completed invites for the same seed (the killed child and the parent agree), each invite once, by completion time', () => {
    const first = pastInvites({ org: ORG, candidates: 300, seed: 5 });
    const again = pastInvites({ org: ORG, candidates: 300, seed: 5 });
    expect(again.invites).toEqual(first.invites);
    expect(pastInvites({ org: ORG, candidates: 300, seed: 6 }).invites).not.toEqual(first.invites);
    expect(first.invites.every((invite) => invite.status === 'completed')).toBe(true);
    expect(new Set(first.invites.map((invite) => invite.id)).size).toBe(first.invites.length);
    const times = first.invites.map((invite) => Date.parse(invite.completedAt!));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // Retakes are second invites of a candidate: more invites than candidates with one.
    expect(first.invites.length).toBeGreaterThan(new Set(first.invites.map((invite) => invite.email.trim().toLowerCase())).size);
  });
});

describe('createPastInviteSource', () => {
  const invites = Array.from({ length: 5 }, (_, index) => ({ id: `i${index}`, orgId: ORG.orgId }) as AssessmentInvite);

  it('pages from the start or from a cursor (the next index), the last page with a null cursor, and reports each page read', async () => {
    const served: PageServed[] = [];
    const source = createPastInviteSource([...invites, { id: 'other', orgId: 'org-other' } as AssessmentInvite], { pageSize: 2, onPage: (page) => served.push(page) });
    expect(await source.count(ORG.orgId)).toBe(5);
    expect(await readAll(source, null)).toEqual([
      { ids: ['i0', 'i1'], nextCursor: '2' },
      { ids: ['i2', 'i3'], nextCursor: '4' },
      { ids: ['i4'], nextCursor: null },
    ]);
    expect(await readAll(source, '4')).toEqual([{ ids: ['i4'], nextCursor: null }]);
    expect(served.map((page) => page.cursor)).toEqual(['start', '2', '4', '4']);
    await expect(readAll(source, 'x')).rejects.toThrow(/bad cursor/);
  });

  it('names the first page "start" and the others by index', () => {
    expect(cursorAt(0)).toBeNull();
    expect(cursorAt(400)).toBe('400');
  });
});

describe('pageReads', () => {
  const page = (cursor: string): PageServed => ({ cursor, from: 0, to: 0 });

  it('finds the pages read twice and the pages never read', () => {
    expect(pageReads([page('start'), page('2'), page('4')], 3, 2)).toEqual({ readTwice: [], neverRead: 0 });
    // Killed while the page at 2 was in flight: the resume read it again.
    expect(pageReads([page('start'), page('2'), page('2'), page('4')], 3, 2)).toEqual({ readTwice: ['2'], neverRead: 0 });
    // A resume that skipped ahead lost a page.
    expect(pageReads([page('start'), page('4')], 3, 2)).toEqual({ readTwice: [], neverRead: 1 });
  });
});

describe('upsertsPerSnapshot', () => {
  const upsert = (status: number, inputs: Array<[string, string, string]>): RequestLogEntry => ({
    seq: 0,
    at: new Date(0).toISOString(),
    method: 'POST',
    path: '/crm/v3/objects/contacts/batch/upsert',
    route: 'contacts.batchUpsert',
    status,
    durationMs: 1,
    requestBody: { inputs: inputs.map(([id, invite, completedAt]) => ({ id, idProperty: 'email', properties: { jc_invitation_id: invite, jc_completed_at: completedAt } })) },
  });

  it('counts accepted upsert inputs per snapshot (normalised email, invite, completion), refused requests left out', () => {
    const counted = upsertsPerSnapshot([
      upsert(200, [['A@x.com ', 'inv1', 't1'], ['b@x.com', 'inv2', 't2']]),
      // The same snapshot again (re-sent after the kill), and a newer invite of b: not a repeat.
      upsert(200, [['a@x.com', 'inv1', 't1'], ['b@x.com', 'inv3', 't3']]),
      upsert(429, [['a@x.com', 'inv1', 't1']]),
      { ...upsert(200, []), route: 'contacts.search' },
    ]);
    expect(counted.requests).toBe(2);
    expect(counted.inputs).toBe(4);
    expect(counted.perSnapshot.get(snapshotKey('a@x.com', 'inv1', 't1'))).toBe(2);
    expect(counted.perSnapshot.get(snapshotKey('b@x.com', 'inv2', 't2'))).toBe(1);
    expect(counted.perSnapshot.get(snapshotKey('b@x.com', 'inv3', 't3'))).toBe(1);
  });
});
