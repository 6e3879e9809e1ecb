// The demo's /metrics endpoint (issue 18): the demo started in-process (in-memory PGlite, the
// emulator, a stub page), one org connected and one invite pushed, then scraped like Prometheus does.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '@jobcannon/hubspot-core';
import { completedInvite, connectOrg } from '@jobcannon/hubspot-core/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { startDemo, type DemoServer } from './demo-app.js';

const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

let tmp: string;
let demo: DemoServer;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'jc-demo-metrics-'));
  const web = path.join(tmp, 'web');
  await mkdir(web, { recursive: true });
  await writeFile(path.join(web, 'index.html'), '<!doctype html><title>stub</title><div id="root"></div>');
  const config = loadConfig({ PORT: '0', EMULATOR_PORT: '0', DEMO_DATA_DIR: path.join(tmp, 'data') });
  demo = await startDemo({ config, inMemoryDatabase: true, logger: quiet, web: { kind: 'prebuilt', outDir: web }, emulator: { seed: 18 } });
  await connectOrg(demo.integration, demo.emulator!, { orgId: 'acme', hubId: 1001 });
  await demo.integration.enqueue(completedInvite('acme', 1));
  await demo.integration.drain();
});

afterAll(async () => {
  await demo?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** A scrape as Prometheus sends it: to the bound address, Accept of the text formats and anything. */
const scrape = () =>
  fetch(`http://127.0.0.1:${demo.port}/metrics`, {
    redirect: 'manual',
    headers: { Accept: 'application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3,*/*;q=0.1' },
  });

/** `name{labels} value` lines of the exposition, as [series, value]. */
function samples(body: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of body.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

describe('the demo /metrics endpoint', () => {
  it('answers a scrape without a session, in the Prometheus text format, with the kit figures', async () => {
    const res = await scrape();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const body = await res.text();
    const series = samples(body);
    expect(series.get('jobcannon_hubspot_invites_pushed_total')).toBe(1);
    expect(series.get('jobcannon_hubspot_contacts_written_total{result="created"}')).toBe(1);
    expect(series.get('jobcannon_hubspot_outbox_rows{state="done"}')).toBe(1);
    expect(series.get('jobcannon_hubspot_outbox_rows{state="pending"}')).toBe(0);
    expect([...series.keys()].some((key) => key.startsWith('jobcannon_hubspot_hubspot_responses_total{') && key.includes('http_response_status_code="200"'))).toBe(true);
    expect(body).toMatch(/# HELP jobcannon_hubspot_outbox_rows Outbox rows by state/);
  });

  it('matches integration.metrics()', async () => {
    const snapshot = await demo.integration.metrics();
    expect(snapshot).toMatchObject({ invites: { pushed: 1 }, contacts: { created: 1 }, outbox: { done: 1, pending: 0 } });
  });

  it('carries no candidate email and no token', async () => {
    const body = await (await scrape()).text();
    expect(body).not.toMatch(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/);
    for (const token of demo.emulator!.state.accessTokens.keys()) expect(body).not.toContain(token);
  });
});
