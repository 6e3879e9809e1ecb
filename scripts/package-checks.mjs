// publint and @arethetypeswrong/cli on one packed tarball, as `pnpm check-packages` and the
// consumer test run them.
//
// publint runs with --strict (its warnings fail too). attw runs with the `esm-only` profile: the
// packages are ESM only on purpose (Node 20.19+ can `require()` them anyway), so the CommonJS
// resolution modes are not errors. Exports that are not modules (the widget's styles.css) are left
// out of attw's entry points: there are no types to find for a stylesheet.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './pack-packages.mjs';

const bin = (name) => path.join(repoRoot, 'node_modules', '.bin', name);

function tool(name, args) {
  return new Promise((resolve, reject) => {
    execFile(bin(name), args, { cwd: repoRoot, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      // A non-zero exit is the tool's verdict; failing to start at all is ours.
      if (error && typeof error.code !== 'number') reject(error);
      else resolve({ ok: !error, output: `${stdout}${stderr}`.trim() });
    });
  });
}

/** The subpaths of a manifest's exports whose targets are not JavaScript modules or JSON. */
export function assetEntrypoints(manifest) {
  return Object.entries(manifest.exports ?? {})
    .filter(([, target]) => typeof target === 'string' && !/\.(m?js|json)$/.test(target))
    .map(([subpath]) => subpath);
}

/** Runs both tools on `tarball`; `manifest` is its package.json (the packed one). */
export async function checkTarball(tarball, manifest) {
  const assets = assetEntrypoints(manifest);
  const [publint, attw] = await Promise.all([
    tool('publint', ['--strict', tarball]),
    // The tarball first: --exclude-entrypoints takes every argument after it.
    tool('attw', [tarball, '--profile', 'esm-only', '--format', 'ascii', '--no-color', ...(assets.length ? ['--exclude-entrypoints', ...assets] : [])]),
  ]);
  return [
    { tool: 'publint', ...publint },
    { tool: 'attw', ...attw },
  ];
}
