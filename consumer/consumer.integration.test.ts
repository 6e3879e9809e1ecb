// Proves the published files, not the sources: builds and packs the five packages as `pnpm
// publish` would, installs the tarballs with npm into two scratch hosts outside the workspace
// (Express 4 + React 18 on PGlite, Express 5 + React 19 on PostgreSQL with the host's own knex
// running the kit's migrations), and runs host.mjs in each: connect → consent → callback →
// enqueue → drain → the contact in the emulator → GET /status through the router, the sweep, and
// the widget server-side rendered. Everything it creates lives in one temp folder, removed after.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The same build, pack and checks `pnpm check-packages` runs.
import { checkTarball } from '../scripts/package-checks.mjs';
import { buildPackages, packPackages, PUBLISHED_PACKAGES, type PackedPackage } from '../scripts/pack-packages.mjs';

interface Host {
  name: string;
  database: 'pglite' | 'postgres';
  /** Exact pins: what the host installs besides the tarballs. */
  dependencies: string[];
  expect: { express: string; react: string };
}

const HOSTS: Host[] = [
  {
    name: 'express4-react18',
    database: 'pglite',
    // core's optional peers for the embedded database
    dependencies: ['express@4.21.2', 'react@18.3.1', 'react-dom@18.3.1', 'knex-pglite@0.14.0', '@electric-sql/pglite@0.5.16'],
    expect: { express: '4.21.2', react: '18.3.1' },
  },
  {
    name: 'express5-react19',
    database: 'postgres',
    // the host's own knex and driver, as its knexfile would use
    dependencies: ['express@5.3.0', 'react@19.3.1', 'react-dom@19.3.1', 'knex@3.3.0', 'pg@8.23.1'],
    expect: { express: '5.3.0', react: '19.3.1' },
  },
];

const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const hostScript = path.join(import.meta.dirname, 'host.mjs');

function run(command: string, args: string[], cwd: string, timeoutMs: number): Promise<{ stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} in ${cwd} failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolve({ stdout, stderr, ms: Date.now() - started });
    });
  });
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

describe('the packed packages in real hosts (npm, outside the workspace)', () => {
  let root = '';
  let packed: PackedPackage[] = [];
  const hostDirs = new Map<string, string>();

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'jc-hubspot-consumer-'));
    const log = (line: string) => console.log(`consumer: ${line}`);
    await buildPackages({ log });
    packed = await packPackages(path.join(root, 'tarballs'), { log });
    const tarballs = packed.map((entry) => entry.tarball);

    // Both hosts at once; npm's cache (the user's default one) is shared and safe to share.
    await Promise.all(
      HOSTS.map(async (host) => {
        const dir = path.join(root, host.name);
        fs.mkdirSync(dir);
        fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: `jc-consumer-${host.name}`, private: true, type: 'module' }, null, 2)}\n`);
        fs.copyFileSync(hostScript, path.join(dir, 'host.mjs'));
        const { ms } = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...tarballs, ...host.dependencies], dir, 8 * 60_000);
        log(`npm install (${host.name}) took ${seconds(ms)}`);
        hostDirs.set(host.name, dir);
      }),
    );
  }, 12 * 60_000);

  afterAll(() => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('packs every published package, and each tarball passes publint and attw', async () => {
    expect(packed.map((entry) => entry.name)).toEqual(PUBLISHED_PACKAGES.map((entry) => entry.name));
    const verdicts = await Promise.all(packed.map(async (entry) => ({ name: entry.name, checks: await checkTarball(entry.tarball, entry.manifest) })));
    const failed = verdicts.flatMap(({ name, checks }) => checks.filter((check) => !check.ok).map((check) => `${check.tool} ${name}:\n${check.output}`));
    expect(failed).toEqual([]);
    const widget = packed.find((entry) => entry.name === '@jobcannon/hubspot-widget');
    expect(widget?.manifest.exports).toMatchObject({ './styles.css': './dist/styles.css' });
    expect(widget?.files).toContain('dist/styles.css');
  });

  it.concurrent.each(HOSTS)('$name: connect → push → status, the sweep and the widget from dist/', async (host) => {
    const dir = hostDirs.get(host.name);
    expect(dir, 'the host was installed').toBeDefined();
    const installed = path.join(dir!, 'node_modules', '@jobcannon', 'hubspot-core');
    // No TypeScript sources and no workspace-only condition reach a host.
    expect(fs.existsSync(path.join(installed, 'src'))).toBe(false);
    expect(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')).not.toContain('@jobcannon/source');

    const config = host.database === 'postgres' ? { database: 'postgres', postgresUrl: POSTGRES_URL, databaseName: `jc_consumer_${randomBytes(6).toString('hex')}` } : { database: 'pglite' };
    const { stdout, stderr, ms } = await run(process.execPath, ['host.mjs', JSON.stringify(config)], dir!, 2 * 60_000);
    console.log(`consumer: host ${host.name} ran in ${seconds(ms)}`);
    // A slow host run is worth seeing whole (what it waited for).
    if (ms > 30_000) console.error(`consumer: host ${host.name} output:\n${stdout.slice(-4_000)}\n--- stderr ---\n${stderr.slice(-4_000)}`);
    // The report is the host's last JSON line; anything a library printed after it is not ours.
    const reportLine = stdout.trim().split('\n').reverse().find((line) => line.startsWith('{')) ?? '{}';
    if (reportLine === '{}') console.error(`consumer: host ${host.name} printed no report:\n${stdout}`);
    const report = JSON.parse(reportLine);

    expect(report.versions).toMatchObject({ express: host.expect.express, react: host.expect.react, reactDom: host.expect.react });
    for (const entry of Object.values(report.resolved as Record<string, string>)) {
      expect(entry).toMatch(new RegExp(`^file://${dir!.replaceAll('\\', '/')}/node_modules/@jobcannon/hubspot-[a-z]+/dist/index\\.js$`));
    }
    expect(report.migratedBy).toBe(host.database === 'postgres' ? 'host knex' : 'integration.migrate()');
    if (host.database === 'postgres') expect(report.applied).toContain('001_create_hubspot_tables');

    expect(report.drained).toMatchObject({ pushed: 1, created: 1, failed: 0 });
    expect(report.contact).toMatchObject({
      email: 'consumer.candidate@example.com',
      properties: { jc_disc_d: '71', jc_iq_score: '118', jc_test_status: 'completed', jc_invitation_id: 'inv_consumer_1' },
    });
    expect(report.status).toMatchObject({ status: 'connected', portal: { id: 1001 }, lastError: null, queue: { pending: 0, failed: 0, held: 0 }, bootstrap: { ok: true } });
    expect(report.status.lastSyncAt).toEqual(expect.any(String));
    expect(report.sweepRun).toEqual({ ran: true, job: 'retry' });

    expect(report.widgetHtml).toContain('class="jc-hs"');
    expect(report.widgetHtml).toContain('HubSpot connected.');
    expect(report.stylesheetBytes).toBeGreaterThan(0);
  });
});
