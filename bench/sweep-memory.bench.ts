// Memory of the 02:00 partial sweep: 50,000 in-progress invites streamed from a generator (pages of
// 500, each built only when asked for, as a host's keyset-paginated query would) through
// integration.sweepPartials with pushOnEnqueue: false, so it only enqueues, into a real PostgreSQL
// database. The sweep runs in a CHILD process so the peak RSS is the sweep's own, not this runner's.
//
// The child runs this very file, bundled by esbuild (tsx's own dependency) into plain JavaScript:
// workspace packages compiled in, npm packages imported from where they are installed. That is
// how a host runs the compiled package; under tsx's loader the figure would include tsx's module
// loader thread (about 35 MB here). If esbuild cannot be found (or SWEEP_BENCH_LOADER=tsx), the
// child runs under tsx and the note says so.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createHubSpotIntegration,
  createPostgresDatabase,
  runMigrations,
  silentLogger,
  type AssessmentInvite,
  type HubSpotIntegration,
  type HubSpotIntegrationOptions,
} from '@jobcannon/hubspot-core';
import { below, type BenchRow } from './report.js';

const INVITES = 50_000;
const PAGE_SIZE = 500;
const TARGET_MB = 150;
const ORG = 'org_bench_sweep';
const THIS_FILE = fileURLToPath(import.meta.url);
const REPO_ROOT = path.resolve(path.dirname(THIS_FILE), '..');
// Fixed for the bench only, so the child decrypts nothing it did not need to (it never calls HubSpot).
const KEY = Buffer.alloc(32, 42).toString('base64');

const serverUrl = (): string => process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function integrationOptions(db: HubSpotIntegrationOptions['db'], apiBase = 'http://127.0.0.1:9'): HubSpotIntegrationOptions {
  return {
    db,
    hubspot: { clientId: 'jc-demo-client', clientSecret: 'jc-demo-secret', redirectUri: 'http://127.0.0.1:9/integrations/hubspot/callback', apiBase, authBase: apiBase },
    encryption: { currentKeyId: 'bench', keys: { bench: KEY } },
    resultUrlBase: 'https://app.jobcannon.io',
    pushOnEnqueue: false,
    logger: silentLogger,
  };
}

/** The figures the child prints as one JSON line on stdout. */
interface ChildReport {
  seen: number;
  enqueued: number;
  seconds: number;
  baselineRssMb: number;
  peakRssMb: number;
}

// ---- child: the sweep alone ------------------------------------------------------------------

function inProgressInvite(orgId: string, index: number): AssessmentInvite {
  const at = new Date(Date.UTC(2026, 4, 17, 9, 0) + index * 1_000).toISOString();
  return {
    id: `inv_${index}`,
    orgId,
    email: `candidate.${index}@example.com`,
    status: 'in_progress',
    createdAt: at,
    updatedAt: at,
    completedAt: null,
    tests: [
      {
        slug: 'disc',
        status: 'completed',
        completedAt: at,
        result: { dimensions: ['Dominance', 'Influence', 'Steadiness', 'Conscientiousness'].map((name, i) => ({ name, score: (index * 7 + i * 13) % 101 })) },
      },
      { slug: 'big-five', status: 'completed', completedAt: at, result: { dimensions: ['Openness', 'Conscientiousness', 'Extraversion', 'Agreeableness', 'Emotional Stability'].map((name, i) => ({ name, score: (index + i * 17) % 100 })) } },
      { slug: 'iq', status: 'in_progress' },
    ],
  };
}

async function* pagedInvites(orgId: string, count: number): AsyncGenerator<AssessmentInvite[]> {
  for (let start = 0; start < count; start += PAGE_SIZE) {
    const page: AssessmentInvite[] = [];
    for (let index = start; index < Math.min(count, start + PAGE_SIZE); index += 1) page.push(inProgressInvite(orgId, index));
    yield page;
  }
}

async function runChild(): Promise<void> {
  const db = createPostgresDatabase(process.env.SWEEP_BENCH_DATABASE_URL ?? '', { min: 0, max: 4 });
  const integration = createHubSpotIntegration(integrationOptions(db));
  await db.raw('SELECT 1');
  const count = Number(process.env.SWEEP_BENCH_INVITES ?? INVITES);
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  const started = performance.now();
  const result = await integration.sweepPartials((orgId) => pagedInvites(orgId, count));
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  // maxRSS (kilobytes) is the kernel's high-water mark, which sampling could miss between ticks.
  peak = Math.max(peak, process.memoryUsage.rss(), process.resourceUsage().maxRSS * 1024);
  await integration.close();
  await db.destroy();
  const report: ChildReport = { seen: result.seen, enqueued: result.enqueued, seconds, baselineRssMb: baseline / 1024 / 1024, peakRssMb: peak / 1024 / 1024 };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

if (process.env.SWEEP_BENCH_CHILD === '1') await runChild();

// ---- parent: database, connection, child, checks ----------------------------------------------

/** The slice of esbuild's API used here; its types are not visible from bench/. */
interface EsbuildPlugin {
  name: string;
  setup(build: {
    onResolve(options: { filter: RegExp }, callback: (args: { path: string; kind: string; resolveDir: string; importer: string; pluginData?: unknown }) => Promise<unknown> | unknown): void;
    resolve(specifier: string, options: { kind: string; resolveDir: string; importer: string; pluginData?: unknown }): Promise<{ path: string; errors: unknown[] }>;
  }): void;
}
interface Esbuild {
  build(options: Record<string, unknown> & { plugins: EsbuildPlugin[] }): Promise<unknown>;
}

/** Bundles this file for the child: workspace sources compiled in, npm packages left where pnpm put them. */
async function bundleChild(outDir: string): Promise<string | null> {
  let esbuild: Esbuild;
  try {
    const tsxDir = path.dirname(realpathSync(createRequire(import.meta.url).resolve('tsx/package.json')));
    esbuild = createRequire(path.join(tsxDir, 'package.json'))('esbuild') as Esbuild;
  } catch {
    return null;
  }
  const outfile = path.join(outDir, 'sweep-memory-child.mjs');
  const externals: EsbuildPlugin = {
    name: 'installed-packages',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === 'inner' || args.path === '@jobcannon/hubspot-core') return undefined;
        // node: builtins, and the emulator (imported only by the parent) stay as they are.
        if (args.path.startsWith('node:') || args.path.startsWith('@jobcannon/')) return { external: true };
        const resolved = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'inner' });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        return { path: resolved.path, external: true };
      });
    },
  };
  await esbuild.build({
    entryPoints: [THIS_FILE],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@jobcannon/source'],
    logLevel: 'error',
    plugins: [externals],
  });
  return outfile;
}

function runChildProcess(args: string[], env: Record<string, string>): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const { NODE_OPTIONS: _inheritedLoader, ...inherited } = process.env;
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !line.startsWith('{')) {
        reject(new Error(`the sweep child exited with ${code}: ${stderr.trim() || stdout.trim()}`));
        return;
      }
      resolve(JSON.parse(line) as ChildReport);
    });
  });
}

async function withAdmin<T>(work: (admin: HubSpotIntegrationOptions['db']) => Promise<T>): Promise<T> {
  const admin = createPostgresDatabase(serverUrl(), { min: 0, max: 1 });
  try {
    return await work(admin);
  } finally {
    await admin.destroy();
  }
}

/** Connects ORG through the emulator (connect URL, consent, callback), then closes it: the sweep never calls HubSpot. */
async function connectThroughEmulator(db: HubSpotIntegrationOptions['db']): Promise<void> {
  const { startEmulator } = await import('@jobcannon/hubspot-emulator');
  const emulator = await startEmulator({ port: 0, seed: 5 });
  const integration: HubSpotIntegration = createHubSpotIntegration(integrationOptions(db, emulator.url));
  try {
    // The browser's nonce (a host keeps it in an HttpOnly cookie); the same admin finishes the connect.
    const browserNonce = 'bench-browser-nonce-0123456789abcdef';
    const url = new URL(await integration.connectUrl({ orgId: ORG, userId: 'bench', browserNonce }));
    const state = url.searchParams.get('state') ?? '';
    const consent = emulator.authorize({ redirectUri: url.searchParams.get('redirect_uri') ?? '', scope: (url.searchParams.get('scope') ?? '').split(' '), state });
    await integration.completeOAuth({ code: consent.code ?? null, state, expectedOrgId: ORG, expectedUserId: 'bench', browserNonce });
  } finally {
    await integration.close();
    await emulator.close();
  }
}

export async function sweepMemoryBench(): Promise<BenchRow[]> {
  const name = `jc_sweep_bench_${randomBytes(4).toString('hex')}`;
  await withAdmin((admin) => admin.raw(`CREATE DATABASE "${name}"`));
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  const db = createPostgresDatabase(url.toString(), { min: 0, max: 4 });
  const tempDir = await mkdtemp(path.join(os.tmpdir(), 'jc-sweep-bench-'));
  try {
    await runMigrations(db);
    await connectThroughEmulator(db);

    const bundle = process.env.SWEEP_BENCH_LOADER === 'tsx' ? null : await bundleChild(tempDir);
    const args = bundle ? [bundle] : ['--import', 'tsx', '--conditions=@jobcannon/source', THIS_FILE];
    const report = await runChildProcess(args, { SWEEP_BENCH_CHILD: '1', SWEEP_BENCH_DATABASE_URL: url.toString(), SWEEP_BENCH_INVITES: String(INVITES) });

    // Checked here, apart from the child's own count: every invite is in the outbox.
    const check = createHubSpotIntegration(integrationOptions(db));
    const pending = (await check.status(ORG)).queue.pending;
    await check.close();
    if (report.seen !== INVITES || report.enqueued !== INVITES || pending !== INVITES) {
      throw new Error(`sweep-memory: expected ${INVITES} invites enqueued, got seen=${report.seen} enqueued=${report.enqueued}, outbox pending=${pending}`);
    }
    const peak = Number(report.peakRssMb.toFixed(1));
    const rate = Math.round(report.enqueued / report.seconds);
    const how = bundle ? 'child process, bundled by esbuild (no TS loader)' : 'child process under tsx (its loader thread adds about 35 MB)';
    return [
      {
        bench: 'sweep-memory',
        metric: `peak RSS sweeping ${INVITES.toLocaleString('en-US')} invites`,
        value: peak,
        unit: 'MB',
        ...below(peak, TARGET_MB),
        note: `${how}; RSS ${report.baselineRssMb.toFixed(1)} MB before the sweep; pages of ${PAGE_SIZE}; pushOnEnqueue false`,
      },
      {
        bench: 'sweep-memory',
        metric: 'invites enqueued per second',
        value: rate,
        unit: 'invites/s',
        note: `${INVITES.toLocaleString('en-US')} in ${report.seconds.toFixed(1)} s, one upsert per invite (core's sweepPartials enqueues one at a time), synchronous_commit at the server default`,
      },
    ];
  } finally {
    await db.destroy();
    await rm(tempDir, { recursive: true, force: true });
    await withAdmin(async (admin) => {
      await admin.raw('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()', [name]);
      await admin.raw(`DROP DATABASE IF EXISTS "${name}"`);
    });
  }
}
