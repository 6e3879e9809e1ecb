import { rm } from 'node:fs/promises';
import path from 'node:path';

/** The emulator's portals, tokens and contacts, next to the embedded database (see demo-app.ts). */
export const EMULATOR_STATE_FILE = 'hubspot-emulator.json';
/** PGlite's directory inside the data directory (see database.ts). */
export const DATABASE_DIR = 'pglite';

/**
 * "Reset demo" and `pnpm demo --reset`: deletes the embedded database and the emulator's state, so
 * the next start is a first start. The token encryption key stays (nothing encrypted with it is left,
 * and keeping it means no new "Generated a key" surprise). Returns what it deleted.
 */
export async function deleteDemoState(dataDir: string): Promise<string[]> {
  const targets = [path.join(dataDir, DATABASE_DIR), path.join(dataDir, EMULATOR_STATE_FILE)];
  for (const target of targets) await rm(target, { recursive: true, force: true });
  return targets;
}
