import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { InProgressInviteSource } from '@jobcannon/hubspot-core';
import { UsageError } from './cli-args.js';

/**
 * Loads the host module given by `--source`: it exports `inProgressInvites(orgId)` (or a default
 * function of that shape) returning an async iterable of the org's in-progress invites, one at a
 * time or in pages. The module is the host's code, so it may open its own database pool.
 */
export async function loadInviteSource(specifier: string, cwd: string): Promise<InProgressInviteSource> {
  const path = isAbsolute(specifier) ? specifier : resolve(cwd, specifier);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`--source ${specifier}: could not load ${path}: ${(error as Error).message}`);
  }
  const source = module.inProgressInvites ?? module.default;
  if (typeof source !== 'function') {
    throw new UsageError(`--source ${specifier}: the module exports no \`inProgressInvites\` function (export async function* inProgressInvites(orgId) { … })`);
  }
  return source as InProgressInviteSource;
}
