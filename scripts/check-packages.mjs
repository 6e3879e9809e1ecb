// `pnpm check-packages`: builds the publishable packages, packs them as `pnpm publish` would, and
// runs publint and @arethetypeswrong/cli on every tarball (see package-checks.mjs for how).
// Checks every package, prints each verdict, and exits 1 if any check failed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkTarball } from './package-checks.mjs';
import { buildPackages, packPackages } from './pack-packages.mjs';

const started = Date.now();
const destination = fs.mkdtempSync(path.join(os.tmpdir(), 'jc-hubspot-check-packages-'));

let failures = 0;
try {
  await buildPackages({ log: console.log });
  const packed = await packPackages(destination, { log: console.log });
  for (const { name, tarball, manifest } of packed) {
    for (const { tool, ok, output } of await checkTarball(tarball, manifest)) {
      if (ok) {
        console.log(`ok   ${tool.padEnd(7)} ${name}`);
      } else {
        failures += 1;
        console.log(`FAIL ${tool.padEnd(7)} ${name}\n${output.replace(/^/gm, '     ')}`);
      }
    }
  }
} finally {
  fs.rmSync(destination, { recursive: true, force: true });
}
console.log(`check-packages: ${failures === 0 ? 'all packages pass' : `${failures} check(s) failed`} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
process.exit(failures === 0 ? 0 : 1);
