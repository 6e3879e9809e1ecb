import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_APP, type Emulator } from '@jobcannon/hubspot-emulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isHubSpotKitError } from '../errors.js';
import { createTelegramNotifier } from '../notifier/telegram-notifier.js';
import { signWebhookV3 } from '../webhooks/webhook-signature.js';
import {
  completedInvite,
  connectOrg,
  createMovableClock,
  createRecordingNotifier,
  createTestIntegration,
  partialInvite,
  startTestEmulator,
  TEST_BROWSER_NONCE,
  type MovableClock,
} from '../test-support/integration-harness.js';
import { describeEachBackend } from '../test-support/test-databases.js';
import type { HubSpotIntegration } from './types.js';

const HUB = 1001;
const OTHER_HUB = 1002;

const signedInAs = (orgId: string) => ({ expectedOrgId: orgId, expectedUserId: 'u1', browserNonce: TEST_BROWSER_NONCE });

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expect(isHubSpotKitError(error) ? error.code : error).toBe(code);
    return;
  }
  throw new Error(`expected ${code}`);
}

describeEachBackend('the durable integration', (backend) => {
  let emulator: Emulator;
  let integration: HubSpotIntegration;
  let clock: MovableClock;
  let notifier: ReturnType<typeof createRecordingNotifier>;
  let orgId = '';
  let seq = 0;

  beforeAll(async () => {
    emulator = await startTestEmulator({ rateLimit: { max: 1_000 } });
  });

  afterAll(async () => {
    await emulator?.close();
  });

  beforeEach(async () => {
    await integration?.close();
    emulator.reset();
    clock = createMovableClock();
    notifier = createRecordingNotifier();
    integration = createTestIntegration(backend.db, emulator, { clock, notifier, retry: { baseDelayMs: 20, maxDelayMs: 200 } });
    seq += 1;
    orgId = `org-durable-${backend.name}-${seq}`;
    // Every test connects its own org to the same emulator portal: earlier tests' orgs must not
    // count as other orgs sharing it (that changes what connect and disconnect do).
    await backend.db('hubspot_connections').update({ status: 'disconnected' });
  });

  afterAll(async () => {
    await integration?.close();
  });

  describe('OAuth', () => {
    it('asks for the five scopes with a single-use state and stores the connection', async () => {
      const url = new URL(await integration.connectUrl({ orgId, userId: 'u1', allowSharedPortal: true, browserNonce: TEST_BROWSER_NONCE }));
      expect(url.origin + url.pathname).toBe(`${emulator.url}/oauth/authorize`);
      expect(url.searchParams.get('scope')!.split(' ').sort()).toEqual(
        ['crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.schemas.contacts.read', 'crm.schemas.contacts.write', 'oauth'],
      );
      const state = url.searchParams.get('state')!;
      const consent = emulator.authorize({ redirectUri: url.searchParams.get('redirect_uri')!, scope: url.searchParams.get('scope')!, state, hubId: HUB });
      const result = await integration.completeOAuth({ code: consent.code!, state, ...signedInAs(orgId) });
      expect(result).toMatchObject({ orgId, userId: 'u1', portal: { id: HUB, domain: 'acme-demo.hubspot.com' }, reconnected: false });
      expect((await result.setup).ok).toBe(true);
      const status = await integration.status(orgId);
      expect(status).toMatchObject({ status: 'connected', portal: { id: HUB }, connectedBy: 'admin@acme-demo.com', lastError: null, bootstrap: { ok: true } });
      // Replayed state: refused.
      await expectCode(integration.completeOAuth({ code: consent.code!, state, ...signedInAs(orgId) }), 'OAUTH_STATE_INVALID');
    });

    it('stores tokens encrypted and never in the sync log', async () => {
      await connectOrg(integration, emulator, { orgId });
      const row = await backend.db('hubspot_connections').where({ org_id: orgId }).first();
      expect(row.access_token_enc).toMatch(/^v1\.test\./);
      const liveTokens = [...emulator.state.accessTokens.keys()];
      expect(liveTokens.length).toBeGreaterThan(0);
      for (const token of liveTokens) {
        expect(JSON.stringify(row)).not.toContain(token);
      }
      await integration.enqueue(completedInvite(orgId, 1));
      await integration.drain();
      const log = JSON.stringify(await backend.db('hubspot_sync_log').where({ org_id: orgId }));
      for (const token of liveTokens) expect(log).not.toContain(token);
    });

    it('refuses forged, expired and denied callbacks', async () => {
      await expectCode(integration.completeOAuth({ code: 'x', state: 'forged', ...signedInAs(orgId) }), 'OAUTH_STATE_INVALID');
      await expectCode(integration.completeOAuth({ code: 'x', state: null, ...signedInAs(orgId) }), 'OAUTH_STATE_INVALID');
      const expiring = new URL(await integration.connectUrl({ orgId, userId: 'u1', allowSharedPortal: true, browserNonce: TEST_BROWSER_NONCE })).searchParams.get('state')!;
      clock.advance(11 * 60_000);
      await expectCode(integration.completeOAuth({ code: 'x', state: expiring, ...signedInAs(orgId) }), 'OAUTH_STATE_EXPIRED');
      const denied = new URL(await integration.connectUrl({ orgId, userId: 'u1', allowSharedPortal: true, browserNonce: TEST_BROWSER_NONCE })).searchParams.get('state')!;
      await expectCode(integration.completeOAuth({ error: 'access_denied', state: denied, ...signedInAs(orgId) }), 'OAUTH_DENIED');
      expect((await integration.status(orgId)).status).toBe('not_connected');
    });

    it('refuses and spends a state minted for another org before exchanging the code', async () => {
      const url = new URL(await integration.connectUrl({ orgId, userId: 'u1', allowSharedPortal: true, browserNonce: TEST_BROWSER_NONCE }));
      const state = url.searchParams.get('state')!;
      const consent = emulator.authorize({ redirectUri: url.searchParams.get('redirect_uri')!, scope: url.searchParams.get('scope')!, state, hubId: HUB });
      const tokenCalls = emulator.counters().totals.byRoute['oauth.token']?.requests ?? 0;
      await expectCode(integration.completeOAuth({ code: consent.code!, state, expectedOrgId: 'someone-elses-org', expectedUserId: 'u1', browserNonce: TEST_BROWSER_NONCE }), 'OAUTH_ORG_MISMATCH');
      expect(emulator.counters().totals.byRoute['oauth.token']?.requests ?? 0).toBe(tokenCalls);
      await expectCode(integration.completeOAuth({ code: consent.code!, state, ...signedInAs(orgId) }), 'OAUTH_STATE_INVALID');
      expect((await integration.status(orgId)).status).toBe('not_connected');
    });

    it('refuses a connection that lacks a required scope, naming it', async () => {
      try {
        await connectOrg(integration, emulator, { orgId, scopes: ['oauth', 'crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.schemas.contacts.read'] });
        throw new Error('expected MISSING_SCOPES');
      } catch (error) {
        expect(isHubSpotKitError(error, 'MISSING_SCOPES')).toBe(true);
        expect((error as Error).message).toMatch(/crm\.schemas\.contacts\.write/);
      }
      expect((await integration.status(orgId)).status).toBe('not_connected');
    });

    it('refuses a different portal on reconnect until the admin confirms', async () => {
      await connectOrg(integration, emulator, { orgId, hubId: HUB });
      await expectCode(connectOrg(integration, emulator, { orgId, hubId: OTHER_HUB }), 'PORTAL_MISMATCH');
      expect((await integration.status(orgId)).portal?.id).toBe(HUB);
      const switched = await connectOrg(integration, emulator, { orgId, hubId: OTHER_HUB, allowPortalChange: true });
      expect(switched.portal.id).toBe(OTHER_HUB);
    });

    it('disconnects: revokes, uninstalls, keeps queued rows', async () => {
      await connectOrg(integration, emulator, { orgId });
      await integration.enqueue(completedInvite(orgId, 1));
      await integration.disconnect(orgId);
      const status = await integration.status(orgId);
      expect(status.status).toBe('disconnected');
      expect(status.queue).toEqual({ pending: 0, failed: 0, held: 1 });
      expect([...emulator.state.installs.values()].some((install) => install.hubId === HUB)).toBe(false);
      const row = await backend.db('hubspot_connections').where({ org_id: orgId }).first();
      expect(row.access_token_enc).toBeNull();
      expect(row.refresh_token_enc).toBeNull();
    });
  });

  describe('token keeper', () => {
    it('refreshes ahead of expiry and keeps pushing', async () => {
      await connectOrg(integration, emulator, { orgId });
      const before = emulator.counters().totals.byRoute['oauth.token']?.requests ?? 0;
      clock.advance(26 * 60_000);
      await integration.enqueue(completedInvite(orgId, 1));
      expect((await integration.drain()).pushed).toBe(1);
      expect((emulator.counters().totals.byRoute['oauth.token']?.requests ?? 0) - before).toBe(1);
    });

    it('on revoke: must_reconnect, one alert, rows held; after reconnect they are delivered', async () => {
      await connectOrg(integration, emulator, { orgId });
      emulator.uninstall(HUB);
      await integration.enqueue(completedInvite(orgId, 1));
      // A dead access token gets a 401; the refresh is refused with invalid_grant.
      const first = await integration.drain();
      expect(first.pushed).toBe(0);
      const status = await integration.status(orgId);
      expect(status.status).toBe('must_reconnect');
      expect(status.lastError).toMatchObject({ code: 'MUST_RECONNECT' });
      expect(status.lastError).toMatchObject({ retryable: false });
      await integration.enqueue(completedInvite(orgId, 2));
      await integration.drain();
      clock.advance(31 * 60_000);
      await integration.drain();
      expect((await integration.status(orgId)).queue).toEqual({ pending: 0, failed: 0, held: 2 });
      expect(notifier.sent.map((notification) => notification.kind)).toEqual(['must_reconnect']);
      expect(notifier.sent[0]!.text).not.toMatch(/token/i);
      // Nothing more is sent to the portal while it must reconnect.
      const requestsWhileHeld = emulator.counters().portals[String(HUB)]?.requests ?? 0;
      await integration.drain();
      expect(emulator.counters().portals[String(HUB)]?.requests ?? 0).toBe(requestsWhileHeld);

      const reconnected = await connectOrg(integration, emulator, { orgId });
      expect(reconnected.reconnected).toBe(true);
      expect(notifier.sent.map((notification) => notification.kind)).toEqual(['must_reconnect', 'reconnected']);
      expect((await integration.drain()).pushed).toBe(2);
      expect(emulator.contacts(HUB).map((contact) => contact.properties.email).sort()).toEqual(['candidate.1@example.com', 'candidate.2@example.com']);
      expect((await integration.status(orgId)).lastError).toBeNull();
    });
  });

  describe('shared portals', () => {
    it('asks before a second org connects a portal another org uses; its disconnect never cuts the first org off', async () => {
      await connectOrg(integration, emulator, { orgId, allowSharedPortal: false });
      const other = `${orgId}-globex`;
      await expect(connectOrg(integration, emulator, { orgId: other, allowSharedPortal: false })).rejects.toMatchObject({ code: 'PORTAL_SHARED', details: { portalId: HUB, sharedWith: 1 } });
      expect((await integration.status(other)).status).toBe('not_connected');
      await connectOrg(integration, emulator, { orgId: other, allowSharedPortal: true });
      expect((await integration.status(other)).sharedWith).toBeGreaterThanOrEqual(1);

      await integration.disconnect(other);
      expect((await integration.status(other)).status).toBe('disconnected');
      // The first org's connection still works: the app was not uninstalled from the portal.
      await integration.enqueue(completedInvite(orgId, 1));
      expect((await integration.drain()).pushed).toBe(1);
      expect((await integration.status(orgId)).status).toBe('connected');
    });

    it('a host can refuse shared portals outright', async () => {
      const refusing = createTestIntegration(backend.db, emulator, { clock, sharedPortals: 'refuse' });
      try {
        await connectOrg(refusing, emulator, { orgId });
        await expect(connectOrg(refusing, emulator, { orgId: `${orgId}-initech` })).rejects.toMatchObject({ code: 'PORTAL_IN_USE' });
      } finally {
        await refusing.close();
      }
    });
  });

  describe('the admin row', () => {
    it('reports setup progress, permissions, synced contacts and recent pushes with links into HubSpot', async () => {
      const connected = await connectOrg(integration, emulator, { orgId });
      expect(connected.bootstrap.ok).toBe(true);
      await integration.enqueue(completedInvite(orgId, 1));
      await integration.enqueue(completedInvite(orgId, 2));
      await integration.drain();
      const status = await integration.status(orgId, { manage: true });
      expect(status).toMatchObject({ setup: { state: 'done', done: 17, total: 17 }, permissions: { manage: true }, contactsSynced: 2, links: { propertyGroup: expect.stringContaining(`/property-settings/${HUB}/`) } });
      expect(status.recentPushes).toHaveLength(2);
      expect(status.recentPushes[0]).toMatchObject({ email: 'candidate.2@example.com', outcome: 'created', contactUrl: expect.stringMatching(new RegExp(`/contacts/${HUB}/record/0-1/\\d+$`)) });
      expect((await integration.status(orgId)).permissions).toEqual({ manage: false });
      expect(await integration.syncNow(orgId)).toEqual({ pending: 0 });
    });
  });

  describe('idle connections and keys', () => {
    it('notices an uninstall within one maintenance cycle with nothing pushed, and alerts once', async () => {
      await connectOrg(integration, emulator, { orgId });
      await integration.enqueue(completedInvite(orgId, 1));
      await integration.drain();
      emulator.uninstall(HUB);
      // Pushed a moment ago: nothing to check yet. (Other tests' orgs share this database, so the
      // assertions are about this org.)
      await integration.maintain();
      expect((await integration.status(orgId)).status).toBe('connected');
      clock.advance(6 * 60_000);
      expect((await integration.maintain()).connections.mustReconnect).toBeGreaterThanOrEqual(1);
      expect((await integration.status(orgId)).status).toBe('must_reconnect');
      const mine = () => notifier.sent.filter((notification) => notification.orgId === orgId).map((notification) => notification.kind);
      expect(mine()).toEqual(['must_reconnect']);
      clock.advance(6 * 60_000);
      await integration.maintain();
      expect(mine()).toEqual(['must_reconnect']);
    });

    it('a key that cannot decrypt the stored tokens is one clear problem, not a loop; the right key delivers', async () => {
      await connectOrg(integration, emulator, { orgId });
      const wrongKey = createTestIntegration(backend.db, emulator, { clock, encryption: { currentKeyId: 'other', keys: { other: 'ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=' } } });
      try {
        await wrongKey.enqueue(completedInvite(orgId, 1));
        const before = emulator.counters().portals[String(HUB)]?.requests ?? 0;
        for (let round = 0; round < 5; round += 1) expect(await wrongKey.drain()).toMatchObject({ pushed: 0, failed: 0 });
        expect(emulator.counters().portals[String(HUB)]?.requests ?? 0).toBe(before);
        const status = await wrongKey.status(orgId);
        expect(status).toMatchObject({ status: 'connected', lastError: { code: 'DECRYPTION_FAILED', retryable: false } });
        expect(JSON.stringify(status.lastError)).not.toMatch(/other|test/);
        expect((await wrongKey.maintain()).connections.unreadable).toBeGreaterThanOrEqual(1);
        const [row] = await backend.db('hubspot_outbox').where({ org_id: orgId });
        expect(new Date(row.next_attempt_at).getTime()).toBeGreaterThan(clock.now() + 60_000);
      } finally {
        await wrongKey.close();
      }
      clock.advance(6 * 60_000);
      expect((await integration.drain()).pushed).toBe(1);
      expect((await integration.maintain()).connections.unreadable).toBe(0);
      expect((await integration.status(orgId)).lastError).toBeNull();
    });
  });

  describe('invalid snapshots', () => {
    it('a newer invalid invite never erases a valid one: the held valid result still lands after reconnect, the invalid one is listed apart', async () => {
      await connectOrg(integration, emulator, { orgId });
      emulator.uninstall(HUB);
      await integration.enqueue(completedInvite(orgId, 1, { id: 'inv_valid', updatedAt: '2026-05-17T14:00:00.000Z' }));
      await integration.drain();
      expect((await integration.status(orgId)).status).toBe('must_reconnect');
      // The same candidate, a newer invite, IQ 170: invalid.
      const invalid = await integration.enqueue(
        completedInvite(orgId, 1, { id: 'inv_invalid', updatedAt: '2026-05-18T09:00:00.000Z', tests: [{ slug: 'iq', status: 'completed', completedAt: '2026-05-18T09:00:00Z', result: { score: 170 } }] }),
      );
      expect(invalid).toMatchObject({ queued: true, failed: { code: 'INVALID_INVITE' } });
      expect((await integration.status(orgId)).queue).toEqual({ pending: 0, failed: 1, held: 1 });

      await connectOrg(integration, emulator, { orgId });
      expect((await integration.drain()).pushed).toBe(1);
      expect(emulator.contact(HUB, 'candidate.1@example.com')?.properties.jc_invitation_id).toBe('inv_valid');
      const failures = await integration.failures(orgId);
      expect(failures.items).toEqual([expect.objectContaining({ inviteId: 'inv_invalid', code: 'INVALID_INVITE', retryable: false })]);
      // Correcting the invite in the host supersedes the failure, and the correction is pushed.
      await integration.enqueue(completedInvite(orgId, 1, { id: 'inv_invalid', updatedAt: '2026-05-18T10:00:00.000Z' }));
      expect((await integration.failures(orgId)).total).toBe(0);
      expect((await integration.drain()).pushed).toBe(1);
      expect(emulator.contact(HUB, 'candidate.1@example.com')?.properties.jc_invitation_id).toBe('inv_invalid');
    });
  });

  describe('outbox', () => {
    it('enqueues inside the host transaction: a rollback leaves nothing, a commit pushes at once', async () => {
      const pushing = createTestIntegration(backend.db, emulator, { clock, pushOnEnqueue: true });
      try {
        await connectOrg(pushing, emulator, { orgId });
        await backend.db
          .transaction(async (trx) => {
            await pushing.enqueue(completedInvite(orgId, 1), trx);
            throw new Error('host rolls back');
          })
          .catch(() => undefined);
        expect((await pushing.status(orgId)).queue.pending).toBe(0);
        await backend.db.transaction(async (trx) => {
          await pushing.enqueue(completedInvite(orgId, 2), trx);
        });
        for (let waited = 0; waited < 5_000 && !emulator.contact(HUB, 'candidate.2@example.com'); waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
        expect(emulator.contact(HUB, 'candidate.2@example.com')?.properties.jc_test_status).toBe('completed');
        expect(emulator.contact(HUB, 'candidate.1@example.com')).toBeUndefined();
      } finally {
        await pushing.close();
      }
    });

    it('never lets a partial snapshot replace a completed result', async () => {
      await connectOrg(integration, emulator, { orgId });
      await integration.enqueue(completedInvite(orgId, 1));
      await integration.drain();
      const later = new Date(Date.UTC(2026, 6, 1)).toISOString();
      expect(await integration.enqueue(partialInvite(orgId, 1, { updatedAt: later }))).toEqual({ queued: false, reason: 'partial_after_completed' });
      await integration.drain();
      expect(emulator.contact(HUB, 'candidate.1@example.com')!.properties.jc_test_status).toBe('completed');
    });

    it('holds rows of an org that is not connected and counts them', async () => {
      await integration.enqueue(completedInvite(orgId, 1));
      expect((await integration.drain()).pushed).toBe(0);
      expect((await integration.status(orgId)).queue).toEqual({ pending: 0, failed: 0, held: 1 });
    });

    it('keeps tenants apart: org A never reads or acts on org B', async () => {
      const orgB = `${orgId}-b`;
      await connectOrg(integration, emulator, { orgId, hubId: HUB });
      await connectOrg(integration, emulator, { orgId: orgB, hubId: OTHER_HUB });
      await integration.enqueue(completedInvite(orgB, 1, { email: 'bad@example.con' }));
      await integration.enqueue(completedInvite(orgId, 2));
      await integration.drain();
      const failuresB = await integration.failures(orgB);
      expect(failuresB.total).toBe(1);
      expect((await integration.failures(orgId)).total).toBe(0);
      expect(await integration.retryFailed(orgId, failuresB.items.map((item) => item.id))).toEqual({ retried: 0 });
      expect((await integration.failures(orgB)).total).toBe(1);
      expect((await integration.syncLog(orgId)).every((entry) => entry.email !== 'bad@example.con')).toBe(true);
      expect(emulator.contacts(OTHER_HUB)).toHaveLength(0);
      expect(emulator.contacts(HUB).map((contact) => contact.properties.email)).toEqual(['candidate.2@example.com']);
    });
  });

  describe('webhooks', () => {
    it('purges local data on contact.privacyDeletion, once', async () => {
      await connectOrg(integration, emulator, { orgId });
      await integration.enqueue(completedInvite(orgId, 1));
      await integration.enqueue(completedInvite(orgId, 2));
      await integration.drain();
      const event = emulator.contactEvent(HUB, 'candidate.1@example.com', 'contact.privacyDeletion');
      const deliver = async () => {
        const url = 'https://host.example.com/integrations/hubspot/webhooks';
        const rawBody = JSON.stringify([event]);
        const timestamp = String(Date.now());
        const signature = signWebhookV3({ clientSecret: DEFAULT_APP.clientSecret, method: 'POST', url, body: rawBody, timestamp });
        const response = await integration.handleWebhook({ method: 'POST', url, rawBody, headers: { 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': timestamp, 'content-type': 'application/json' } });
        expect(response.status).toBe(200);
        return response.body as { received: number; processed: number; duplicates: number; purgedRows: number };
      };
      const first = await deliver();
      expect(first).toMatchObject({ received: 1, processed: 1, duplicates: 0 });
      expect(first.purgedRows).toBeGreaterThanOrEqual(2);
      expect(await deliver()).toMatchObject({ processed: 0, duplicates: 1 });
      const emails = (await integration.syncLog(orgId)).map((entry) => entry.email);
      expect(emails).toEqual(['candidate.2@example.com']);
    });
  });
});

describe('Telegram notifier', () => {
  it('sends sendMessage to the configured bot API base without logging the token', async () => {
    const received: Array<{ url: string; body: unknown }> = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        received.push({ url: req.url ?? '', body: JSON.parse(body) });
        res.writeHead(req.url?.includes('bad') ? 400 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(req.url?.includes('bad') ? { ok: false, description: 'chat not found' } : { ok: true, result: {} }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const notifier = createTelegramNotifier({ botToken: '123:secret', chatId: '42', apiBase: base });
      await notifier.notify({ kind: 'must_reconnect', orgId: 'o1', portalId: 1001, portalDomain: 'acme', text: 'Please reconnect' });
      expect(received).toEqual([{ url: '/bot123:secret/sendMessage', body: { chat_id: '42', text: '⚠️ HubSpot needs reconnecting\nPlease reconnect', disable_web_page_preview: true } }]);
      const failing = createTelegramNotifier({ botToken: 'bad', chatId: '42', apiBase: base });
      await expect(failing.notify({ kind: 'reconnected', orgId: 'o1', portalId: 1, portalDomain: null, text: 'ok' })).rejects.toThrow(/chat not found/);
    } finally {
      server.close();
    }
  });
});
