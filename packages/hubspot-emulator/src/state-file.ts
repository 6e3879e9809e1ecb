import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { EmulatorCore } from './core.js';
import { createRandom } from './random.js';
import type { AccessTokenRecord, AuthCodeRecord, ContactRecord, GroupRecord, InstallRecord, PortalState, PropertyRecord, RefreshTokenRecord } from './state.js';

// The emulator's world on disk (`startEmulator({ stateFile })`): portals with their groups,
// properties and contacts, installs and tokens, so a demo stopped and started again finds "HubSpot"
// as it left it. Counters, the request log, faults and rate-limit windows are not kept: they
// describe a run, not the customer's account. Apps come from the options at every start.

/** Bumped when the file's shape changes; a file of another version is ignored (the emulator starts clean). */
export const STATE_FILE_VERSION = 1;

interface PortalFile extends Omit<PortalState, 'groups' | 'properties' | 'contacts' | 'emailIndex'> {
  groups: GroupRecord[];
  properties: PropertyRecord[];
  contacts: Array<Omit<ContactRecord, 'properties'> & { properties: Array<[string, string]> }>;
  emailIndex: Array<[string, string]>;
}

export interface StateFileContents {
  version: number;
  savedAt: string;
  portals: PortalFile[];
  installs: Array<[string, InstallRecord]>;
  authCodes: AuthCodeRecord[];
  refreshTokens: RefreshTokenRecord[];
  accessTokens: AccessTokenRecord[];
  webhookEventSeq: number;
}

export function serializeState(core: EmulatorCore): StateFileContents {
  const { state } = core;
  return {
    version: STATE_FILE_VERSION,
    savedAt: core.iso(),
    portals: [...state.portals.values()].map((portal) => ({
      ...portal,
      groups: [...portal.groups.values()],
      properties: [...portal.properties.values()],
      contacts: [...portal.contacts.values()].map((contact) => ({ ...contact, properties: [...contact.properties.entries()] })),
      emailIndex: [...portal.emailIndex.entries()],
    })),
    installs: [...state.installs.entries()],
    authCodes: [...state.authCodes.values()],
    refreshTokens: [...state.refreshTokens.values()],
    accessTokens: [...state.accessTokens.values()],
    webhookEventSeq: core.webhookEventSeq,
  };
}

/**
 * Puts a saved world back. Portals the options no longer name are dropped, new ones keep their
 * fresh seed. The token stream is re-seeded at random: a pinned seed would otherwise mint the very
 * tokens the file already holds.
 */
export function restoreState(core: EmulatorCore, contents: StateFileContents): void {
  const { state } = core;
  for (const saved of contents.portals) {
    if (!state.portals.has(saved.hubId)) continue;
    const portal: PortalState = {
      ...saved,
      groups: new Map(saved.groups.map((group) => [group.name, group])),
      properties: new Map(saved.properties.map((property) => [property.name, property])),
      contacts: new Map(saved.contacts.map((contact) => [contact.id, { ...contact, properties: new Map(contact.properties) }])),
      emailIndex: new Map(saved.emailIndex),
    };
    state.portals.set(portal.hubId, portal);
  }
  // Filled in place: `emulator.state` hands these very maps out.
  const knownApp = (clientId: string) => state.apps.has(clientId);
  const refill = <K, V>(map: Map<K, V>, entries: Array<[K, V]>) => {
    map.clear();
    for (const [key, value] of entries) map.set(key, value);
  };
  refill(state.installs, contents.installs.filter(([, install]) => knownApp(install.clientId)));
  refill(state.authCodes, contents.authCodes.filter((code) => knownApp(code.clientId)).map((code) => [code.code, code]));
  refill(state.refreshTokens, contents.refreshTokens.filter((token) => knownApp(token.clientId)).map((token) => [token.token, token]));
  refill(state.accessTokens, contents.accessTokens.filter((token) => knownApp(token.clientId)).map((token) => [token.token, token]));
  core.webhookEventSeq = Math.max(core.webhookEventSeq, contents.webhookEventSeq);
  core.random.tokens = createRandom(randomBytes(16).toString('hex'), 'tokens');
}

/** Reads the file; null when there is none or it cannot be used (then the emulator starts clean and says why). */
export function readStateFile(file: string, warn: (message: string) => void): StateFileContents | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const contents = JSON.parse(text) as StateFileContents;
    if (contents?.version !== STATE_FILE_VERSION || !Array.isArray(contents.portals)) {
      warn(`hubspot-emulator: ${file} is not a state file of version ${STATE_FILE_VERSION}; starting with a clean state (it is overwritten at the next change).`);
      return null;
    }
    return contents;
  } catch {
    warn(`hubspot-emulator: ${file} is not valid JSON; starting with a clean state (it is overwritten at the next change).`);
    return null;
  }
}

/** Written to a temporary file and renamed over the old one, so a crash mid-write never leaves half a file. */
export function writeStateFile(file: string, contents: StateFileContents): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(contents));
  renameSync(temporary, file);
}

export interface StatePersistence {
  /** Something may have changed: save within `debounceMs`. */
  changed(): void;
  /** Saves now if a save is due (close, tests). */
  flush(): void;
  /** Flushes and stops the timer. */
  close(): void;
}

/**
 * Loads `file` into the core at once, then saves it `debounceMs` after the last change (a burst of
 * upserts is one write) and on close.
 */
export function persistState(core: EmulatorCore, file: string, options: { debounceMs?: number; warn?: (message: string) => void } = {}): StatePersistence {
  const warn = options.warn ?? ((message: string) => process.stderr.write(`${message}\n`));
  const debounceMs = options.debounceMs ?? 250;
  const saved = readStateFile(file, warn);
  if (saved) restoreState(core, saved);
  let timer: NodeJS.Timeout | null = null;
  let dirty = false;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (!dirty) return;
    dirty = false;
    try {
      writeStateFile(file, serializeState(core));
    } catch (error) {
      warn(`hubspot-emulator: could not save its state to ${file}: ${(error as Error).message}`);
    }
  };
  return {
    changed() {
      dirty = true;
      if (timer) return;
      timer = setTimeout(flush, debounceMs);
      timer.unref();
    },
    flush,
    close: flush,
  };
}
