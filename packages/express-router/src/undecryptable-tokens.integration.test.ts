import { createHubSpotIntegration, generateEncryptionKey, type HubSpotIntegration } from '@jobcannon/hubspot-core';
import { DEFAULT_APP } from '@jobcannon/hubspot-emulator';
import express, { type Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHubSpotRouter } from './create-hubspot-router.js';
import { MOUNT, RETURN_TO, WIDGET_POST, connectOrg, startRouterHarness, testAuthorize, user, type RouterHarness } from './test-support/router-harness.js';

/**
 * The encryption key changed under stored tokens. Before: resync answered 500 with
 * 'uses key id "k1"' in the message the browser got, and status showed nothing wrong.
 */
describe('tokens the configured keys cannot decrypt (router + core + emulator + PostgreSQL)', () => {
  let h: RouterHarness;
  let rotated: HubSpotIntegration;
  let app: Express;

  beforeAll(async () => {
    h = await startRouterHarness();
    await connectOrg(h.app, 'org-rotated', 1001);
    // The same database, read by a deployment whose keyring lost the key the tokens were written with.
    rotated = createHubSpotIntegration({
      db: h.database.db,
      hubspot: { clientId: DEFAULT_APP.clientId, clientSecret: DEFAULT_APP.clientSecret, redirectUri: `${h.origin}${MOUNT}/callback`, apiBase: h.emulator.url, authBase: h.emulator.url },
      encryption: { currentKeyId: 'rotated-key-2026', keys: { 'rotated-key-2026': generateEncryptionKey() } },
      resultUrlBase: 'https://app.jobcannon.io',
      pushOnEnqueue: false,
    });
    app = express();
    app.use(MOUNT, createHubSpotRouter(rotated, { authorize: testAuthorize, returnTo: RETURN_TO, logger: h.logger }));
  });
  afterAll(async () => {
    await rotated?.close();
    await h?.close();
  });

  const noKeyIds = (text: string) => expect(text).not.toMatch(/\bk1\b|rotated-key-2026|keyId/);

  it('status and resync say DECRYPTION_FAILED, with no key id in what reaches the browser', async () => {
    const status = await request(app).get(`${MOUNT}/status`).set(user('org-rotated', 'member-1', 'member')).expect(200);
    expect(status.body).toMatchObject({ status: 'connected', lastError: { code: 'DECRYPTION_FAILED', retryable: false } });
    noKeyIds(status.text);
    const resync = await request(app).post(`${MOUNT}/resync`).set(user('org-rotated')).set(WIDGET_POST).send({}).expect(500);
    expect(resync.body.error.code).toBe('DECRYPTION_FAILED');
    noKeyIds(resync.text);
  });

  it('disconnect still works: tokens dropped, connection disconnected', async () => {
    await request(app).post(`${MOUNT}/disconnect`).set(user('org-rotated')).set(WIDGET_POST).send({}).expect(200, { status: 'disconnected' });
    expect((await request(app).get(`${MOUNT}/status`).set(user('org-rotated')).expect(200)).body).toMatchObject({ status: 'disconnected', lastError: null });
    expect(await h.database.db('hubspot_connections').where({ org_id: 'org-rotated' }).first('access_token_enc', 'refresh_token_enc')).toEqual({ access_token_enc: null, refresh_token_enc: null });
  });
});
