import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The chaos suite's reproductions of bugs it found in core, kept as regression tests: each script
// exits 1 while its bug is there and 0 once fixed (see chaos/README.md for what each one does).
const fixed = ['deleted-property-fails-rows', 'lease-lapse-stale-overwrite', 'lost-advisory-lock', 'workers-oversend-rate-limit'];

describe('chaos regressions', () => {
  it.each(fixed)('%s stays fixed', (name) => {
    const script = fileURLToPath(new URL(`./repro/${name}.ts`, import.meta.url));
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=@jobcannon/source', script], { encoding: 'utf8', timeout: 120_000 });
    expect(run.stdout + run.stderr).toMatch(/not reproduced/);
    expect(run.status).toBe(0);
  }, 150_000);
});
