// Builds the workspace package in the current directory to dist/: empties dist first (so a file
// deleted from src can never be published from an old build), compiles with tsconfig.build.json
// (ESM, .d.ts, source maps with the sources inlined, since src/ is not published), then copies
// any assets named with --copy (e.g. the widget's stylesheet). Used by each package's `build`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { copy: { type: 'string', multiple: true, default: [] } } });
const packageDir = process.cwd();
const dist = path.join(packageDir, 'dist');

fs.rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(path.join(packageDir, 'package.json')).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: packageDir, stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);

for (const asset of values.copy) {
  // src/styles.css -> dist/styles.css: assets keep their place below src/.
  const relative = path.relative(path.join(packageDir, 'src'), path.join(packageDir, asset));
  if (relative.startsWith('..')) throw new Error(`--copy ${asset}: only files under src/ can be copied`);
  fs.mkdirSync(path.dirname(path.join(dist, relative)), { recursive: true });
  fs.copyFileSync(path.join(packageDir, asset), path.join(dist, relative));
}
