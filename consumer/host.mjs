// A scratch host app, run by consumer.integration.test.ts inside a folder OUTSIDE the workspace
// where only the packed tarballs (and express, react, a database driver) are installed. Plain
// JavaScript on purpose: it loads the published dist/ files the way a host's Node would, with no
// TypeScript, no workspace links and no `@jobcannon/source` condition.
//
//   node host.mjs '{"database":"pglite"}'
//   node host.mjs '{"database":"postgres","postgresUrl":"postgres://postgres@127.0.0.1:5432/postgres","databaseName":"jc_consumer_x"}'
//
// Prints one JSON line with what it saw; exits 1 (with the error on stderr) on any failure.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import {
  createEmbeddedDatabase,
  createHubSpotIntegration,
  generateEncryptionKey,
  hubspotMigratorConfig,
  silentLogger,
} from '@jobcannon/hubspot-core';
import { createHubSpotRouter } from '@jobcannon/hubspot-express';
import { startSweep } from '@jobcannon/hubspot-sweep';
import { HubSpotIntegrationRow } from '@jobcannon/hubspot-widget';
import { DEFAULT_APP, startEmulator } from '@jobcannon/hubspot-emulator';

const config = JSON.parse(process.argv[2] ?? '{}');
const require = createRequire(import.meta.url);
const MOUNT = '/integrations/hubspot';
const RETURN_TO = '/settings/integrations';
const ORG = 'org-consumer';
const HUB_ID = 1001;
const EMAIL = 'consumer.candidate@example.com';
/** Stands in for the host's session cookie: `org/user/role`. */
const SESSION_HEADER = 'x-host-session';
const session = { [SESSION_HEADER]: `${ORG}/admin-1/admin` };

/**
 * The browser's cookies for the host's origin: whatever the router sets on /connect (e.g. a
 * binding of the OAuth round trip to this browser) goes back on the callback, as a browser would.
 */
const cookies = new Map();
function remember(response) {
  for (const line of response.headers.getSetCookie()) {
    const [pair = ''] = line.split(';');
    const at = pair.indexOf('=');
    if (at > 0) cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
  }
  return response;
}
const browser = (extra = {}) => ({ ...session, ...(cookies.size ? { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') } : {}), ...extra });

const cleanups = [];
const cleanup = async () => {
  for (const step of cleanups.reverse()) await step().catch((error) => console.error('cleanup:', error));
};

/** The host's own knex, as its knexfile would make it; the kit's migrations run through it. */
async function openPostgres() {
  const { default: knex } = await import('knex');
  const admin = knex({ client: 'pg', connection: config.postgresUrl, pool: { min: 0, max: 1 } });
  await admin.raw('CREATE DATABASE ??', [config.databaseName]);
  cleanups.push(async () => {
    await admin.raw('DROP DATABASE IF EXISTS ?? WITH (FORCE)', [config.databaseName]);
    await admin.destroy();
  });
  const url = new URL(config.postgresUrl);
  url.pathname = `/${config.databaseName}`;
  const db = knex({ client: 'pg', connection: url.href, pool: { min: 0, max: 5 } });
  cleanups.push(() => db.destroy());
  // What a host's `knex migrate:latest` step does for the kit (README "Use it in your app").
  const [, applied] = await db.migrate.latest(hubspotMigratorConfig());
  return { db, migratedBy: 'host knex', applied };
}

async function openPglite() {
  const db = await createEmbeddedDatabase();
  cleanups.push(() => db.destroy());
  return { db, migratedBy: 'integration.migrate()', applied: null };
}

async function main() {
  const emulator = await startEmulator({ port: 0, seed: 3 });
  cleanups.push(() => emulator.close());
  const { db, migratedBy, applied } = config.database === 'postgres' ? await openPostgres() : await openPglite();

  // The redirect URI names the real port, so the app listens before the router exists.
  const app = express();
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  const origin = `http://127.0.0.1:${server.address().port}`;

  const integration = createHubSpotIntegration({
    db,
    hubspot: {
      clientId: DEFAULT_APP.clientId,
      clientSecret: DEFAULT_APP.clientSecret,
      redirectUri: `${origin}${MOUNT}/callback`,
      apiBase: emulator.url,
      authBase: emulator.url,
    },
    encryption: { currentKeyId: 'k1', keys: { k1: generateEncryptionKey() } },
    resultUrlBase: 'https://app.jobcannon.io',
    // The script drains by hand, so nothing races it in the background.
    pushOnEnqueue: false,
    logger: silentLogger,
  });
  cleanups.push(() => integration.close());
  await integration.migrate(); // a no-op after the host's own migration run

  app.use(
    MOUNT,
    createHubSpotRouter(integration, {
      authorize: (req) => {
        const [orgId, userId, role] = (req.get(SESSION_HEADER) ?? '').split('/');
        return orgId ? { orgId, userId, role } : null;
      },
      returnTo: RETURN_TO,
      logger: silentLogger,
    }),
  );

  // Connect: the admin's browser, minus the browser.
  const connect = remember(await fetch(`${origin}${MOUNT}/connect`, { headers: browser(), redirect: 'manual' }));
  assert.equal(connect.status, 302, 'GET /connect redirects to HubSpot');
  const authorizeUrl = new URL(connect.headers.get('location'));
  assert.equal(`${authorizeUrl.origin}${authorizeUrl.pathname}`, `${emulator.url}/oauth/authorize`);
  // Consent: the emulator's consent form, approved for portal 1001.
  authorizeUrl.searchParams.set('_emulator_auto', 'approve');
  authorizeUrl.searchParams.set('hub_id', String(HUB_ID));
  const consent = await fetch(authorizeUrl, { redirect: 'manual' });
  assert.equal(consent.status, 302, 'consent redirects back to the callback');
  const callbackUrl = new URL(consent.headers.get('location'));
  assert.equal(callbackUrl.origin + callbackUrl.pathname, `${origin}${MOUNT}/callback`);
  // Callback: core exchanges the code, stores the tokens and bootstraps the properties.
  const callback = remember(await fetch(callbackUrl, { headers: browser(), redirect: 'manual' }));
  assert.equal(callback.status, 302);
  assert.equal(callback.headers.get('location'), `${RETURN_TO}?hubspot=connected`);

  // Push one completed invite, in the shape `enqueue` takes.
  const at = '2026-05-17T14:32:00.000Z';
  const outcome = await integration.enqueue({
    id: 'inv_consumer_1',
    orgId: ORG,
    email: EMAIL,
    status: 'completed',
    createdAt: at,
    updatedAt: at,
    completedAt: at,
    tests: [
      {
        slug: 'disc',
        status: 'completed',
        completedAt: at,
        result: { dimensions: [{ name: 'Dominance', score: 71 }, { name: 'Influence', score: 50 }, { name: 'Steadiness', score: 40 }, { name: 'Conscientiousness', score: 30 }] },
      },
      { slug: 'iq', status: 'completed', completedAt: at, result: { score: 118 } },
    ],
  });
  assert.equal(outcome.queued, true);
  const drained = await integration.drain();
  assert.equal(drained.pushed, 1, `drain pushed ${JSON.stringify(drained)}`);

  const contact = emulator.contact(HUB_ID, EMAIL);
  assert.ok(contact, 'the contact exists in the emulator');

  // The status the widget reads, through the router.
  const statusResponse = await fetch(`${origin}${MOUNT}/status`, { headers: browser() });
  assert.equal(statusResponse.status, 200);
  const status = await statusResponse.json();

  // The sweep loads and runs (its schedules off: one retry run by hand).
  const sweep = startSweep(integration, { schedules: { retry: false, partial: false }, logger: silentLogger });
  const sweepRun = await sweep.runNow('retry');
  await sweep.stop();

  // The widget server-side renders under this host's React, and its stylesheet is where the
  // exports map says.
  const html = renderToString(createElement(HubSpotIntegrationRow, { baseUrl: MOUNT, search: '?hubspot=connected', now: () => Date.parse(at) }));
  const stylesheet = fileURLToPath(import.meta.resolve('@jobcannon/hubspot-widget/styles.css'));

  console.log(
    JSON.stringify({
      versions: { node: process.versions.node, express: require('express/package.json').version, react: require('react/package.json').version, reactDom: require('react-dom/package.json').version },
      migratedBy,
      applied,
      resolved: {
        core: import.meta.resolve('@jobcannon/hubspot-core'),
        express: import.meta.resolve('@jobcannon/hubspot-express'),
        widget: import.meta.resolve('@jobcannon/hubspot-widget'),
        sweep: import.meta.resolve('@jobcannon/hubspot-sweep'),
        emulator: import.meta.resolve('@jobcannon/hubspot-emulator'),
      },
      drained,
      contact: { id: contact.id, email: contact.email, properties: contact.properties },
      status,
      sweepRun: { ran: sweepRun.ran, job: sweepRun.job },
      widgetHtml: html,
      stylesheetBytes: fs.statSync(stylesheet).size,
    }),
  );
}

try {
  await main();
  await cleanup();
} catch (error) {
  console.error(error);
  await cleanup();
  process.exit(1);
}
