// `pnpm screenshots`: refreshes the committed docs/screenshots on purpose. The two browser suites
// write their screenshots to a temporary folder unless SCREENSHOTS_DIR names one, so a plain
// `pnpm test` never touches tracked files; this script is the one place that points them at docs/.
// CHROMIUM_PATH (default /usr/bin/chromium) is passed through to the suites unchanged.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const screenshotsDir = path.join(root, 'docs', 'screenshots');
fs.mkdirSync(screenshotsDir, { recursive: true });

const suites = [
  { project: 'demo', file: 'apps/demo/src/demo.browser.test.ts' },
  { project: 'widget-browser', file: 'packages/widget/src/integration-row.browser.test.ts' },
];

const args = ['node_modules/vitest/vitest.mjs', 'run', ...suites.flatMap(({ project }) => ['--project', project]), ...suites.map(({ file }) => file), ...process.argv.slice(2)];
const result = spawnSync(process.execPath, args, {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, SCREENSHOTS_DIR: screenshotsDir },
});
if (result.status === 0) console.log(`\nscreenshots refreshed in ${path.relative(root, screenshotsDir)}/ (review with git diff --stat)`);
process.exit(result.status ?? 1);
