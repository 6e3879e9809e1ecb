import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MOUNT, RETURN_TO, WIDGET_POST, consent, finishCallback, startConnect, startRouterHarness, user, waitForSetup, type RouterHarness } from './test-support/router-harness.js';

// The router supports Express 4.17+ as well as 5. In a host on Express 4, `import express from
// 'express'` inside the router resolves to the host's Express 4; this file gives the whole module
// graph (router and test host alike) Express 4.21 to prove the same flows work there.
vi.mock('express', async () => await import('express4'));

describe('on Express 4 (router + core + emulator + PostgreSQL)', () => {
  let h: RouterHarness;
  beforeAll(async () => {
    const express = (await import('express')) as unknown as { default: { Router: unknown } };
    const express4 = (await import('express4')) as unknown as { default: { Router: unknown } };
    expect(express.default.Router).toBe(express4.default.Router);
    h = await startRouterHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('connects end to end and serves status', async () => {
    const authorize = await startConnect(h.app, user('org-express4'));
    const callback = await consent(authorize, { hubId: 1001 });
    expect(await finishCallback(h.app, callback, user('org-express4'))).toEqual({ path: RETURN_TO, hubspot: 'connected', reason: null });
    await waitForSetup(h.app, 'org-express4');
    const status = await request(h.app).get(`${MOUNT}/status`).set(user('org-express4', 'member-1', 'member')).expect(200);
    expect(status.body).toMatchObject({ status: 'connected', portal: { id: 1001 }, bootstrap: { ok: true } });
  });

  it('runs admin mutations, refuses cross-site and non-admins, and answers JSON errors', async () => {
    const resync = await request(h.app).post(`${MOUNT}/resync`).set(user('org-express4')).set(WIDGET_POST).send({}).expect(200);
    expect(resync.body).toMatchObject({ ok: true, created: [] });
    await request(h.app).post(`${MOUNT}/resync`).set(user('org-express4')).set('Content-Type', 'text/plain').send('x').expect(403);
    const forbidden = await request(h.app).post(`${MOUNT}/disconnect`).set(user('org-express4', 'member-1', 'member')).set(WIDGET_POST).send({}).expect(403);
    expect(forbidden.body.error.code).toBe('FORBIDDEN');
    await request(h.app).get(`${MOUNT}/status`).expect(401);
    const disconnected = await request(h.app).post(`${MOUNT}/disconnect`).set(user('org-express4')).set(WIDGET_POST).send({}).expect(200);
    expect(disconnected.body).toEqual({ status: 'disconnected' });
  });
});
