import { describe, expect, it } from 'vitest';
import { decideSnapshotMerge, latestPerTest, type IncomingSnapshot, type StoredSnapshot } from './snapshot-merge.js';

const discResult = { dimensions: [{ name: 'Dominance', score: 70 }] };
const iqResult = { dimensions: [], score: 118 };
const test = (slug: 'disc' | 'iq' | 'big-five', completedAt: string, result: object = discResult) => ({ slug, status: 'completed', completedAt, result });
const payload = (id: string, tests: object[]) => ({ id, tests, updatedAt: '2026-01-01T00:00:00.000Z' });

const stored = (overrides: Partial<StoredSnapshot>): StoredSnapshot => ({
  inviteId: 'inv_42',
  snapshot: 'completed',
  inviteUpdatedAt: new Date('2026-05-17T14:32:00Z'),
  payload: payload('inv_42', [test('disc', '2026-05-17T14:32:00Z')]),
  carried: [],
  status: 'pending',
  ...overrides,
});
const incoming = (overrides: Partial<IncomingSnapshot>): IncomingSnapshot => ({
  inviteId: 'inv_77',
  snapshot: 'completed',
  inviteUpdatedAt: new Date('2026-09-02T10:00:00Z'),
  payload: payload('inv_77', [test('iq', '2026-09-02T10:00:00Z', iqResult)]),
  ...overrides,
});

describe('which snapshot wins, per org and email (score-mapping.md)', () => {
  it.each([
    ['same invite: a completed snapshot beats a partial one, even one stamped later', stored({ snapshot: 'partial', inviteId: 'inv_77', inviteUpdatedAt: new Date('2026-09-03T00:00:00Z') }), incoming({}), 'replace'],
    ['same invite: a partial never replaces the completed one', stored({ inviteId: 'inv_77' }), incoming({ snapshot: 'partial', inviteUpdatedAt: new Date('2026-09-04T00:00:00Z') }), 'ignore'],
    ['same invite: a newer snapshot beats an older one', stored({ inviteId: 'inv_77', snapshot: 'partial', inviteUpdatedAt: new Date('2026-09-01T00:00:00Z') }), incoming({ snapshot: 'partial' }), 'replace'],
    ['same invite: an older one is stale', stored({ inviteId: 'inv_77', snapshot: 'partial', inviteUpdatedAt: new Date('2026-09-05T00:00:00Z') }), incoming({ snapshot: 'partial' }), 'ignore'],
    ['different invites: a partial of a newer invite replaces an older completed one (the nightly sweep shows "in progress")', stored({ status: 'done' }), incoming({ snapshot: 'partial' }), 'replace'],
    ['different invites: an older invite arriving late does not take the status', stored({ inviteId: 'inv_77', inviteUpdatedAt: new Date('2026-09-02T10:00:00Z'), payload: payload('inv_77', [test('disc', '2026-09-02T10:00:00Z')]), status: 'done' }), incoming({ inviteId: 'inv_42', inviteUpdatedAt: new Date('2026-05-17T00:00:00Z'), payload: payload('inv_42', [test('disc', '2026-05-17T00:00:00Z')]) }), 'ignore'],
  ] as const)('%s', (_name, existing, next, action) => {
    expect(decideSnapshotMerge(existing, next, 'latest-per-test').action).toBe(action);
    expect(decideSnapshotMerge(existing, next, 'replace').action).toBe(action);
  });
});

describe('nothing the candidate finished is lost (latest-per-test)', () => {
  it('two invites queued before either is pushed: the newer carries the older one’s finished tests', () => {
    const decision = decideSnapshotMerge(stored({}), incoming({}), 'latest-per-test');
    expect(decision).toEqual({ action: 'replace', carried: [expect.objectContaining({ slug: 'disc', inviteId: 'inv_42' })] });
  });

  it('keeps knowing a result HubSpot already has (so a late older one cannot overwrite it), and carries nothing with replace', () => {
    expect(decideSnapshotMerge(stored({ status: 'done' }), incoming({}), 'latest-per-test')).toEqual({ action: 'replace', carried: [expect.objectContaining({ slug: 'disc', inviteId: 'inv_42' })] });
    expect(decideSnapshotMerge(stored({}), incoming({}), 'replace')).toEqual({ action: 'replace', carried: [] });
  });

  it('a late older invite does not overwrite a later finish of the same test pushed from another invite', () => {
    // inv_42 (DISC, May) pushed, then inv_77 (IQ, Sept) took the row carrying inv_42's DISC.
    const existing = stored({ inviteId: 'inv_77', inviteUpdatedAt: new Date('2026-09-02T10:00:00Z'), payload: payload('inv_77', [test('iq', '2026-09-02T10:00:00Z', iqResult)]), status: 'done', carried: [{ slug: 'disc', completedAt: '2026-05-17T14:32:00Z', result: discResult, inviteId: 'inv_42' } as never] });
    // inv_30 from March (DISC finished in March) arrives now.
    const late = incoming({ inviteId: 'inv_30', inviteUpdatedAt: new Date('2026-03-01T00:00:00Z'), payload: payload('inv_30', [test('disc', '2026-03-01T00:00:00Z')]) });
    expect(decideSnapshotMerge(existing, late, 'latest-per-test')).toEqual({ action: 'ignore', reason: 'stale' });
  });

  it('keeps carrying through a third invite, each test at its latest result, and drops what the newest finished itself', () => {
    const existing = stored({
      inviteId: 'inv_77',
      inviteUpdatedAt: new Date('2026-09-02T10:00:00Z'),
      payload: payload('inv_77', [test('iq', '2026-09-02T10:00:00Z', iqResult)]),
      carried: [{ slug: 'disc', completedAt: '2026-05-17T14:32:00Z', result: discResult, inviteId: 'inv_42' } as never],
    });
    const third = incoming({ inviteId: 'inv_78', snapshot: 'partial', inviteUpdatedAt: new Date('2026-10-01T00:00:00Z'), payload: payload('inv_78', [test('disc', '2026-10-01T00:00:00Z'), { slug: 'iq', status: 'pending' }]) });
    const decision = decideSnapshotMerge(existing, third, 'latest-per-test');
    expect(decision.action).toBe('replace');
    expect(decision.action === 'replace' && decision.carried.map((carried) => `${carried.slug}@${carried.inviteId}`)).toEqual(['iq@inv_77']);
  });

  it('an older invite arriving late still contributes a test the row knows no result of, and the row is pushed again', () => {
    const existing = stored({ inviteId: 'inv_77', inviteUpdatedAt: new Date('2026-09-02T10:00:00Z'), payload: payload('inv_77', [test('iq', '2026-09-02T10:00:00Z', iqResult)]), status: 'done' });
    const late = incoming({ inviteId: 'inv_42', inviteUpdatedAt: new Date('2026-05-17T14:32:00Z'), payload: payload('inv_42', [test('disc', '2026-05-17T14:32:00Z')]) });
    expect(decideSnapshotMerge(existing, late, 'latest-per-test')).toEqual({ action: 'carry', carried: [expect.objectContaining({ slug: 'disc', inviteId: 'inv_42' })] });
    // The same late snapshot again: nothing new to carry.
    const carriedOnce = { ...existing, carried: [{ slug: 'disc' as const, completedAt: '2026-05-17T14:32:00Z', result: discResult, inviteId: 'inv_42' }] };
    expect(decideSnapshotMerge(carriedOnce as never, late, 'latest-per-test')).toEqual({ action: 'ignore', reason: 'stale' });
  });

  it('latestPerTest keeps the result finished last', () => {
    const picked = latestPerTest([
      { slug: 'disc', completedAt: '2026-05-01T00:00:00Z', result: discResult as never, inviteId: 'a' },
      { slug: 'disc', completedAt: '2026-06-01T00:00:00Z', result: discResult as never, inviteId: 'b' },
      { slug: 'disc', completedAt: '2026-04-01T00:00:00Z', result: discResult as never, inviteId: 'c' },
    ]);
    expect(picked.map((entry) => entry.inviteId)).toEqual(['b']);
  });
});
