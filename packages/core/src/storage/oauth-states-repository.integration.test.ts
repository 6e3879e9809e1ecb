import { createHash, randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { at, T0, uniqueOrgId } from '../test-support/storage-fixtures.js';
import { describeEachBackend } from '../test-support/test-databases.js';
import { createPostgresDatabase } from './database.js';
import { consumeOAuthState, createOAuthState, pruneOAuthStates } from './oauth-states-repository.js';

function newStateHash(): string {
  return createHash('sha256').update(randomBytes(32)).digest('hex');
}

describeEachBackend('oauth states repository', (backend) => {
  async function create(stateHash: string, orgId = uniqueOrgId(), expiresAt = at(600)) {
    return createOAuthState(backend.db, { stateHash, orgId, userId: 'user_9', allowPortalChange: true, now: T0, expiresAt });
  }

  it('consumes a fresh state once, then reports it used', async () => {
    const stateHash = newStateHash();
    const orgId = uniqueOrgId();
    await create(stateHash, orgId);
    const first = await consumeOAuthState(backend.db, stateHash, at(10));
    expect(first).toEqual({
      ok: true,
      state: { stateHash, orgId, userId: 'user_9', allowPortalChange: true, allowSharedPortal: false, createdAt: T0, expiresAt: at(600), usedAt: at(10) },
    });
    expect(await consumeOAuthState(backend.db, stateHash, at(11))).toEqual({ ok: false, reason: 'used' });
  });

  it('refuses an expired state (at the expiry instant too) and an unknown one', async () => {
    const stateHash = newStateHash();
    await create(stateHash, uniqueOrgId(), at(600));
    expect(await consumeOAuthState(backend.db, stateHash, at(600))).toEqual({ ok: false, reason: 'expired' });
    expect(await consumeOAuthState(backend.db, newStateHash(), at(1))).toEqual({ ok: false, reason: 'unknown' });
  });

  it('refuses a second state with the same hash', async () => {
    const stateHash = newStateHash();
    await create(stateHash);
    await expect(create(stateHash)).rejects.toThrow();
  });

  it('prunes expired and used states, keeping live ones', async () => {
    const live = newStateHash();
    const expired = newStateHash();
    const used = newStateHash();
    await create(live, uniqueOrgId(), at(100_000));
    await create(expired, uniqueOrgId(), at(60));
    await create(used, uniqueOrgId(), at(100_000));
    await consumeOAuthState(backend.db, used, at(30));
    expect(await pruneOAuthStates(backend.db, at(3600))).toBeGreaterThanOrEqual(2);
    expect(await consumeOAuthState(backend.db, expired, at(1))).toEqual({ ok: false, reason: 'unknown' });
    expect(await consumeOAuthState(backend.db, used, at(1))).toEqual({ ok: false, reason: 'unknown' });
    expect((await consumeOAuthState(backend.db, live, at(3601))).ok).toBe(true);
  });

  it('lets exactly one of several concurrent consumers win', async () => {
    // On postgres each consumer gets its own session; on PGlite they serialise, which must hold too.
    const connectionString = backend.connectionString;
    const extra = connectionString === null ? [] : [createPostgresDatabase(connectionString, { max: 3 })];
    try {
      for (let round = 0; round < 10; round += 1) {
        const stateHash = newStateHash();
        await create(stateHash);
        const dbs = [backend.db, ...extra];
        const results = await Promise.all(
          Array.from({ length: 6 }, (_, i) => consumeOAuthState(dbs[i % dbs.length] ?? backend.db, stateHash, at(5))),
        );
        expect(results.filter((result) => result.ok)).toHaveLength(1);
        expect(results.filter((result) => !result.ok).every((result) => !result.ok && result.reason === 'used')).toBe(true);
      }
    } finally {
      await Promise.all(extra.map((db) => db.destroy()));
    }
  });
});
