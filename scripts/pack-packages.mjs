// Builds the publishable packages and packs each one with `pnpm pack`, exactly as `pnpm publish`
// would (publishConfig applied, workspace: ranges replaced by versions), into a folder.
// `pnpm check-packages` and the consumer test both start here, so what they check is what ships.
//
//   node scripts/pack-packages.mjs <destination> [--no-build]
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Every package a host may install (apps/demo is private and never packed). */
export const PUBLISHED_PACKAGES = [
  { name: '@jobcannon/hubspot-core', dir: 'packages/core' },
  { name: '@jobcannon/hubspot-express', dir: 'packages/express-router' },
  { name: '@jobcannon/hubspot-widget', dir: 'packages/widget' },
  { name: '@jobcannon/hubspot-sweep', dir: 'packages/sweep' },
  { name: '@jobcannon/hubspot-emulator', dir: 'packages/hubspot-emulator' },
];

/** Async on purpose: the consumer test calls these from a vitest worker, whose event loop must keep turning. */
function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed (${error.code ?? error.message})\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** turbo's build of the published packages only (the demo's vite build is not needed to ship them). */
export async function buildPackages({ log = () => {} } = {}) {
  const started = Date.now();
  const output = await run('pnpm', ['exec', 'turbo', 'run', 'build', '--output-logs=errors-only', ...PUBLISHED_PACKAGES.map((pkg) => `--filter=${pkg.name}`)]);
  log(`built ${PUBLISHED_PACKAGES.length} packages in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return output;
}

/**
 * Packs every published package into `destination`; returns `{ name, dir, tarball, files, manifest }` for each.
 * Refuses a tarball that carries TypeScript sources, tests or test-support, or a manifest that still
 * names the workspace (the `@jobcannon/source` condition, a `workspace:` range).
 */
export async function packPackages(destination, { log = () => {} } = {}) {
  fs.mkdirSync(destination, { recursive: true });
  const started = Date.now();
  const packed = [];
  for (const pkg of PUBLISHED_PACKAGES) {
    const report = JSON.parse(await run('pnpm', ['pack', '--json', '--pack-destination', destination], { cwd: path.join(repoRoot, pkg.dir) }));
    const files = report.files.map((file) => file.path);
    const leaked = files.filter((file) => file.startsWith('src/') || /(^|\/)test-support\//.test(file) || /\.test\.(js|d\.ts)$/.test(file));
    if (leaked.length > 0) throw new Error(`${pkg.name}: the tarball carries files a host must not get: ${leaked.join(', ')}`);
    if (!files.includes('dist/index.js')) throw new Error(`${pkg.name}: the tarball has no dist/index.js (was it built?)`);
    // The manifest as packed (publishConfig applied, workspace: ranges replaced), read from the tarball.
    const manifest = JSON.parse(await run('tar', ['-xzOf', report.filename, 'package/package.json']));
    if (JSON.stringify(manifest).includes('@jobcannon/source') || JSON.stringify(manifest).includes('workspace:')) {
      throw new Error(`${pkg.name}: the packed package.json still names the workspace (@jobcannon/source or workspace:)`);
    }
    packed.push({ ...pkg, tarball: report.filename, files, manifest });
  }
  log(`packed ${packed.length} tarballs in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return packed;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [destination, ...flags] = process.argv.slice(2);
  if (!destination) {
    console.error('usage: node scripts/pack-packages.mjs <destination> [--no-build]');
    process.exit(2);
  }
  if (!flags.includes('--no-build')) await buildPackages({ log: console.log });
  for (const { tarball } of await packPackages(path.resolve(destination), { log: console.log })) console.log(tarball);
}
