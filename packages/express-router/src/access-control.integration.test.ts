import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MOUNT,
  RETURN_TO,
  WIDGET_POST,
  completedInvite,
  connectOrg,
  expectNothingLeaked,
  startRouterHarness,
  user,
  type RouterHarness,
} from './test-support/router-harness.js';

describe('who may do what (router + core + emulator + PostgreSQL)', () => {
  let h: RouterHarness;
  beforeAll(async () => {
    h = await startRouterHarness();
    // Two orgs on two portals, each with one failed result.
    await connectOrg(h.app, 'org-a', 1001);
    await connectOrg(h.app, 'org-b', 1002);
    await h.integration.enqueue(completedInvite('org-a', 'inv-a', 'a@example.con'));
    await h.integration.enqueue(completedInvite('org-b', 'inv-b', 'b@example.con'));
    await h.integration.drain();
  });
  afterAll(async () => {
    await h?.close();
  });

  const member = (orgId: string) => user(orgId, 'member-1', 'member');

  it('answers 401 UNAUTHENTICATED without a session on every session route', async () => {
    // /connect is a page navigation: it goes back to the host page with the reason instead.
    const connect = await request(h.app).get(`${MOUNT}/connect`).expect(302);
    expect(connect.headers.location).toBe(`${RETURN_TO}?hubspot=error&reason=UNAUTHENTICATED`);
    const calls = [
      request(h.app).get(`${MOUNT}/status`),
      request(h.app).get(`${MOUNT}/failures`),
      request(h.app).post(`${MOUNT}/resync`).set(WIDGET_POST).send({}),
      request(h.app).post(`${MOUNT}/disconnect`).set(WIDGET_POST).send({}),
      request(h.app).post(`${MOUNT}/failures/retry`).set(WIDGET_POST).send({}),
    ];
    for (const res of await Promise.all(calls)) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.any(String) } });
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('lets a member read status and failures but answers 403 FORBIDDEN to connect, resync, disconnect and retry', async () => {
    expect((await request(h.app).get(`${MOUNT}/status`).set(member('org-a')).expect(200)).body.status).toBe('connected');
    expect((await request(h.app).get(`${MOUNT}/failures`).set(member('org-a')).expect(200)).body.total).toBe(1);
    const connect = await request(h.app).get(`${MOUNT}/connect`).set(member('org-a')).expect(302);
    expect(connect.headers.location).toBe(`${RETURN_TO}?hubspot=error&reason=FORBIDDEN`);
    const refused = [
      request(h.app).post(`${MOUNT}/resync`).set(member('org-a')).set(WIDGET_POST).send({}),
      request(h.app).post(`${MOUNT}/disconnect`).set(member('org-a')).set(WIDGET_POST).send({}),
      request(h.app).post(`${MOUNT}/failures/retry`).set(member('org-a')).set(WIDGET_POST).send({}),
    ];
    for (const res of await Promise.all(refused)) {
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
    }
    expect((await request(h.app).get(`${MOUNT}/status`).set(member('org-a'))).body.status).toBe('connected');
    expect((await request(h.app).get(`${MOUNT}/failures`).set(member('org-a'))).body.total).toBe(1);
  });

  it('asks the isAdmin option instead of the role when given', async () => {
    const app = h.build({ router: { isAdmin: async (identity) => identity.userId === 'owner-1' } });
    await request(app).post(`${MOUNT}/failures/retry`).set(user('org-a', 'owner-1', 'member')).set(WIDGET_POST).send({ ids: [] }).expect(200, { retried: 0 });
    await request(app).post(`${MOUNT}/failures/retry`).set(user('org-a', 'admin-1', 'admin')).set(WIDGET_POST).send({ ids: [] }).expect(403);
  });

  it("acts on the session's org only: org A's admin can neither read nor change org B", async () => {
    const failuresB = (await request(h.app).get(`${MOUNT}/failures`).set(user('org-b'))).body;
    expect(failuresB.items).toHaveLength(1);
    const idB: string = failuresB.items[0].id;

    // Whatever names org B in the request, org A's session decides.
    const statusA = (await request(h.app).get(`${MOUNT}/status?orgId=org-b`).set(user('org-a')).expect(200)).body;
    expect(statusA.portal.id).toBe(1001);
    const failuresA = (await request(h.app).get(`${MOUNT}/failures?orgId=org-b`).set(user('org-a')).expect(200)).body;
    expect(failuresA.items.map((item: { email: string }) => item.email)).toEqual(['a@example.con']);
    await request(h.app).post(`${MOUNT}/failures/retry`).set(user('org-a')).set(WIDGET_POST).send({ ids: [idB], orgId: 'org-b' }).expect(200, { retried: 0 });
    expect((await h.integration.failures('org-b')).total).toBe(1);

    // A cursor pointing into org B's list (core's `<failedAt ms>.<kind><id>` form) reveals nothing either.
    const cursorB = `${Date.parse(failuresB.items[0].failedAt) + 1}.o${idB}`;
    const paged = (await request(h.app).get(`${MOUNT}/failures?cursor=${encodeURIComponent(cursorB)}`).set(user('org-a')).expect(200)).body;
    expect(paged.items.every((item: { email: string }) => item.email.startsWith('a@'))).toBe(true);

    // Org A disconnecting touches org A only.
    await request(h.app).post(`${MOUNT}/disconnect?orgId=org-b`).set(user('org-a')).set(WIDGET_POST).send({ orgId: 'org-b' }).expect(200, { status: 'disconnected' });
    expect((await h.integration.status('org-a')).status).toBe('disconnected');
    expect((await h.integration.status('org-b')).status).toBe('connected');
  });

  describe('cross-site requests', () => {
    const retry = (app = h.app) => request(app).post(`${MOUNT}/failures/retry`).set(user('org-b'));

    it('refuses a POST that is neither JSON nor from the widget (a cross-site form)', async () => {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        const res = await retry().set('Content-Type', type).send('ids=1');
        expect(res.status).toBe(403);
        expect(res.body.error.code).toBe('CROSS_SITE_REQUEST');
      }
      expect((await retry().send()).body.error.code).toBe('CROSS_SITE_REQUEST');
      expect((await h.integration.failures('org-b')).total).toBe(1);
    });

    it('accepts JSON alone, or the widget header alone', async () => {
      await retry().set('Content-Type', 'application/json; charset=utf-8').send('{"ids":[]}').expect(200, { retried: 0 });
      await retry().set('X-Requested-With', 'jobcannon-hubspot-widget').set('Content-Type', 'text/plain').send('{"ids":[]}').expect(200, { retried: 0 });
      expect((await h.integration.failures('org-b')).total).toBe(1);
    });

    it("refuses a foreign Origin, accepts the request's own and allowedOrigins", async () => {
      for (const origin of ['https://evil.example', 'null', 'http://hr.example.com.evil.example']) {
        const res = await retry().set(WIDGET_POST).set('Host', 'hr.example.com').set('Origin', origin).send({ ids: [] });
        expect(res.status).toBe(403);
        expect(res.body.error.code).toBe('CROSS_SITE_REQUEST');
      }
      await retry().set(WIDGET_POST).set('Host', 'hr.example.com').set('Origin', 'http://hr.example.com').send({ ids: [] }).expect(200);
      const allowed = h.build({ router: { allowedOrigins: ['https://admin.example.com/'] } });
      await retry(allowed).set(WIDGET_POST).set('Origin', 'https://admin.example.com').send({ ids: [] }).expect(200);
    });

    it("takes the proxy's host and protocol only under trust proxy", async () => {
      const forwarded = { 'X-Forwarded-Host': 'hr.example.com', 'X-Forwarded-Proto': 'https', Origin: 'https://hr.example.com' };
      await retry(h.build({ trustProxy: true })).set(WIDGET_POST).set(forwarded).send({ ids: [] }).expect(200);
      expect((await retry().set(WIDGET_POST).set(forwarded).send({ ids: [] })).body.error.code).toBe('CROSS_SITE_REQUEST');
    });
  });

  describe('errors', () => {
    it('answers 405 METHOD_NOT_ALLOWED with Allow for another method on a known path and leaves unknown paths to the host', async () => {
      const res = await request(h.app).get(`${MOUNT}/resync`).set(user('org-b')).expect(405);
      expect(res.body.error.code).toBe('METHOD_NOT_ALLOWED');
      expect(res.headers.allow).toBe('POST');
      const wrong = await request(h.app).delete(`${MOUNT}/status`).expect(405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'DELETE is not supported here; use GET, HEAD.' } });
      expect(wrong.headers.allow).toBe('GET, HEAD');
      expect(wrong.headers['cache-control']).toBe('no-store');
      const webhook = await request(h.app).get(`${MOUNT}/webhooks`).expect(405);
      expect([webhook.headers.allow, webhook.body.error.code]).toEqual(['POST', 'METHOD_NOT_ALLOWED']);
      // Nothing was done: the admin route did not run for the wrong method.
      expect((await h.integration.status('org-b')).status).toBe('connected');
      const host = express();
      const router = h.build();
      host.use(router);
      host.get(`${MOUNT}/host-page`, (_req, res) => {
        res.send('host');
      });
      await request(host).get(`${MOUNT}/host-page`).expect(200, 'host');
    });

    it('answers 400 BAD_REQUEST to bad input', async () => {
      for (const query of ['limit=abc', 'limit=0', 'cursor=not-a-row']) {
        const res = await request(h.app).get(`${MOUNT}/failures?${query}`).set(user('org-b'));
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('BAD_REQUEST');
      }
      const badIds = await request(h.app).post(`${MOUNT}/failures/retry`).set(user('org-b')).set(WIDGET_POST).send({ ids: 'all' });
      expect(badIds.status).toBe(400);
      const badJson = await request(h.app).post(`${MOUNT}/failures/retry`).set(user('org-b')).set('X-Requested-With', 'jobcannon-hubspot-widget').send('{"ids":');
      expect(badJson.body.error).toEqual({ code: 'BAD_REQUEST', message: 'The request body is not valid JSON.' });
    });

    it("answers core's codes with core's statuses (409 NOT_CONNECTED on resync after disconnect)", async () => {
      const res = await request(h.app).post(`${MOUNT}/resync`).set(user('org-a')).set(WIDGET_POST).send({}).expect(409);
      expect(res.body.error.code).toBe('NOT_CONNECTED');
    });

    it('answers 500 INTERNAL with a generic message when the host hook throws, and logs the detail', async () => {
      const app = h.build({
        router: {
          authorize: () => {
            throw new Error('session store down: password=hunter2');
          },
        },
      });
      const res = await request(app).get(`${MOUNT}/status`).expect(500);
      expect(res.body.error.code).toBe('INTERNAL');
      expect(JSON.stringify(res.body)).not.toContain('hunter2');
      expect(h.errors.some((line) => line.includes('hunter2') && line.includes('status'))).toBe(true);
    });

    it('refuses bad options when the router is built', async () => {
      expect(() => h.build({ router: { returnTo: '//evil.example' } })).toThrow(/returnTo/);
      expect(() => h.build({ router: { returnTo: 'javascript:alert(1)' } })).toThrow(/returnTo/);
      expect(() => h.build({ router: { webhookUrl: '/relative' } })).toThrow(/webhookUrl/);
    });
  });

  it('never leaks a token, the client secret or a stack trace', () => {
    expectNothingLeaked(h);
  });
});
