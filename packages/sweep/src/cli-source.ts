import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { InProgressInviteSource } from '@jobcannon/hubspot-core';
import type { CompletedInviteSource } from './core-types.js';
import { UsageError } from './cli-args.js';

/** What the host module given by `--source` provides; each command asks for the part it reads. */
export interface HostModule {
  /** The partial job's source: `inProgressInvites(orgId)` (or a default export of that shape). */
  inProgressInvites: InProgressInviteSource | null;
  /** The backfill's source: `completedInvites`, an object `{ count(orgId), pages(orgId, cursor) }`. */
  completedInvites: CompletedInviteSource | null;
}

/**
 * Loads the host module given by `--source`. It may export:
 * - `inProgressInvites(orgId)` (or a default function of that shape): an async iterable of the org's
 *   in-progress invites, one at a time or in pages (the partial job);
 * - `completedInvites`: core's `CompletedInviteSource`, `{ count(orgId), pages(orgId, cursor) }`,
 *   the org's completed invites in pages from a resumable cursor (the backfill, and the retry job's
 *   resuming of backfills a stopped process left running).
 * The module is the host's code, so it may open its own database pool.
 */
export async function loadHostModule(specifier: string, cwd: string): Promise<HostModule> {
  const path = isAbsolute(specifier) ? specifier : resolve(cwd, specifier);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`--source ${specifier}: could not load ${path}: ${(error as Error).message}`);
  }
  const inProgress = module.inProgressInvites ?? module.default;
  if (inProgress !== undefined && typeof inProgress !== 'function') {
    throw new UsageError(`--source ${specifier}: \`inProgressInvites\` must be a function (export async function* inProgressInvites(orgId) { … })`);
  }
  const completed = module.completedInvites;
  if (completed !== undefined && !isCompletedInviteSource(completed)) {
    throw new UsageError(`--source ${specifier}: \`completedInvites\` must be an object with count(orgId) and pages(orgId, cursor) (export const completedInvites = { async count(orgId) { … }, async *pages(orgId, cursor) { … } })`);
  }
  return { inProgressInvites: (inProgress as InProgressInviteSource | undefined) ?? null, completedInvites: (completed as CompletedInviteSource | undefined) ?? null };
}

function isCompletedInviteSource(value: unknown): value is CompletedInviteSource {
  if (value === null || typeof value !== 'object') return false;
  const { count, pages } = value as Record<string, unknown>;
  return typeof count === 'function' && typeof pages === 'function';
}

/** The partial job's source, or a UsageError saying what the module lacks. */
export function requireInProgressInvites(module: HostModule, specifier: string): InProgressInviteSource {
  if (module.inProgressInvites === null) {
    throw new UsageError(`--source ${specifier}: the module exports no \`inProgressInvites\` function (export async function* inProgressInvites(orgId) { … })`);
  }
  return module.inProgressInvites;
}

/** The backfill's source, or a UsageError saying what the module lacks. */
export function requireCompletedInvites(module: HostModule, specifier: string): CompletedInviteSource {
  if (module.completedInvites === null) {
    throw new UsageError(`--source ${specifier}: the module exports no \`completedInvites\` (export const completedInvites = { async count(orgId) { … }, async *pages(orgId, cursor) { … } })`);
  }
  return module.completedInvites;
}
