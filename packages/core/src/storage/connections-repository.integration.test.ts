import { expect, it } from 'vitest';
import type { BootstrapReport } from '../integration/types.js';
import { at, connectionInput, T0, uniqueOrgId } from '../test-support/storage-fixtures.js';
import { describeEachBackend } from '../test-support/test-databases.js';
import {
  findConnectionsByPortal,
  getConnection,
  getConnectionForUpdate,
  listConnectedOrgIds,
  saveConnection,
  updateConnection,
} from './connections-repository.js';

const bootstrap: BootstrapReport = {
  ok: true,
  groupCreated: true,
  created: ['jc_disc_dominance'],
  existing: [],
  missing: [],
  drift: [],
  checkedAt: T0.toISOString(),
};

describeEachBackend('connections repository', (backend) => {
  it('saves a connection and reads it back as a camelCase object with Dates, numbers and parsed json', async () => {
    const orgId = uniqueOrgId();
    const saved = await saveConnection(
      backend.db,
      connectionInput(orgId, { portalId: 9_007_199_254, scopes: ['oauth', 'crm.objects.contacts.read'], bootstrap, rateLimitMax: 150 }),
      T0,
    );
    const read = await getConnection(backend.db, orgId);
    expect(read).toEqual(saved);
    expect(read).toMatchObject({
      orgId,
      portalId: 9_007_199_254,
      portalDomain: 'example.hubspot.com',
      installedByUserId: 'user_1',
      installedByEmail: 'admin@example.com',
      scopes: ['oauth', 'crm.objects.contacts.read'],
      accessTokenEnc: 'v1.k1.iv.tag.access',
      status: 'connected',
      rateLimitMax: 150,
      bootstrap,
      lastSyncAt: null,
      lastErrorCode: null,
      alertedAt: null,
    });
    expect(read?.connectedAt).toEqual(T0);
    expect(read?.accessExpiresAt).toEqual(at(1800));
    expect(read?.createdAt).toEqual(T0);
    expect(await getConnection(backend.db, uniqueOrgId('missing'))).toBeNull();
  });

  it('replaces the whole connection on save (reconnect), keeping created_at', async () => {
    const orgId = uniqueOrgId();
    await saveConnection(backend.db, connectionInput(orgId, { portalId: 1, lastErrorCode: 'TOKEN_REFRESH_FAILED', status: 'must_reconnect' }), T0);
    const replaced = await saveConnection(backend.db, connectionInput(orgId, { portalId: 2, connectedAt: at(60) }), at(60));
    expect(replaced).toMatchObject({ portalId: 2, status: 'connected', lastErrorCode: null });
    expect(replaced.createdAt).toEqual(T0);
    expect(replaced.updatedAt).toEqual(at(60));
    expect(replaced.connectedAt).toEqual(at(60));
  });

  it('updates only the fields given, null clears, and reports a missing org as null', async () => {
    const orgId = uniqueOrgId();
    await saveConnection(backend.db, connectionInput(orgId), T0);
    const updated = await updateConnection(
      backend.db,
      orgId,
      {
        status: 'must_reconnect',
        lastErrorCode: 'TOKEN_REFRESH_FAILED',
        lastErrorMessage: 'refresh refused',
        lastErrorDetails: { portalId: 1 },
        lastErrorAt: at(5),
        accessTokenEnc: null,
        scopes: ['oauth'],
        bootstrap,
      },
      at(5),
    );
    expect(updated).toMatchObject({
      status: 'must_reconnect',
      lastErrorCode: 'TOKEN_REFRESH_FAILED',
      lastErrorDetails: { portalId: 1 },
      accessTokenEnc: null,
      refreshTokenEnc: 'v1.k1.iv.tag.refresh',
      scopes: ['oauth'],
      bootstrap,
      installedByUserId: 'user_1',
    });
    expect(updated?.updatedAt).toEqual(at(5));
    expect(await updateConnection(backend.db, uniqueOrgId('missing'), { status: 'connected' }, at(6))).toBeNull();
    const cleared = await updateConnection(backend.db, orgId, { bootstrap: null, lastErrorCode: null }, at(7));
    expect(cleared).toMatchObject({ bootstrap: null, lastErrorCode: null, lastErrorMessage: 'refresh refused' });
  });

  it('lists connected orgs only, and finds every org of a portal', async () => {
    const portalId = 77_000_000 + Math.floor(Math.random() * 1_000_000);
    const a = uniqueOrgId('a');
    const b = uniqueOrgId('b');
    const c = uniqueOrgId('c');
    await saveConnection(backend.db, connectionInput(a, { portalId }), T0);
    await saveConnection(backend.db, connectionInput(b, { portalId, status: 'must_reconnect' }), T0);
    await saveConnection(backend.db, connectionInput(c, { status: 'disconnected' }), T0);
    const connected = await listConnectedOrgIds(backend.db);
    expect(connected).toContain(a);
    expect(connected).not.toContain(b);
    expect(connected).not.toContain(c);
    expect([...connected].sort()).toEqual(connected);
    expect((await findConnectionsByPortal(backend.db, portalId)).map((connection) => connection.orgId)).toEqual([a, b].sort());
  });

  it('getConnectionForUpdate reads inside a transaction (and only that org)', async () => {
    const orgId = uniqueOrgId();
    await saveConnection(backend.db, connectionInput(orgId), T0);
    const seen = await backend.db.transaction(async (trx) => {
      const locked = await getConnectionForUpdate(trx, orgId);
      await updateConnection(trx, orgId, { accessTokenEnc: 'v1.k1.new' }, at(1));
      return locked;
    });
    expect(seen?.orgId).toBe(orgId);
    expect((await getConnection(backend.db, orgId))?.accessTokenEnc).toBe('v1.k1.new');
    expect(await backend.db.transaction((trx) => getConnectionForUpdate(trx, uniqueOrgId('missing')))).toBeNull();
  });

  it.runIf(backend.name === 'postgres')('getConnectionForUpdate makes a second transaction wait for the first', async () => {
    const orgId = uniqueOrgId();
    await saveConnection(backend.db, connectionInput(orgId), T0);
    const order: string[] = [];
    let releaseFirst: () => void = () => undefined;
    const firstHasLock = new Promise<void>((resolveLocked) => {
      void backend.db.transaction(async (trx) => {
        await getConnectionForUpdate(trx, orgId);
        order.push('first locked');
        resolveLocked();
        await new Promise<void>((resolve) => {
          releaseFirst = resolve;
        });
        await updateConnection(trx, orgId, { accessTokenEnc: 'refreshed-by-first' }, at(1));
        order.push('first commits');
      });
    });
    await firstHasLock;
    const second = backend.db.transaction(async (trx) => {
      const connection = await getConnectionForUpdate(trx, orgId);
      order.push('second locked');
      return connection;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(order).toEqual(['first locked']);
    releaseFirst();
    // The second reader sees what the first wrote: the refresh-then-re-read protocol relies on it.
    expect((await second)?.accessTokenEnc).toBe('refreshed-by-first');
    expect(order).toEqual(['first locked', 'first commits', 'second locked']);
  });
});
