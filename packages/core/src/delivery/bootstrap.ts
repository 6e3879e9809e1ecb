import type { BootstrapReport, PropertyDrift } from '../integration/types.js';
import { PROPERTY_DEFINITIONS, PROPERTY_GROUP, type PropertyDefinition } from '../mapping/property-definitions.js';
import type { Clock, Logger } from '../ports/ports.js';
import type { CrmApi, HubSpotProperty } from '../hubspot/crm-api.js';
import { HubSpotCallError } from '../hubspot/hubspot-call-error.js';

/** Runs one HubSpot call (through the portal's limiter and retry policy). */
export type CallRunner = <T>(label: string, call: (accessToken: string) => Promise<T>) => Promise<T>;

/**
 * Makes the portal hold our group and all 17 properties: reads what exists, creates the group first
 * (a customer may have deleted it, and properties cannot be restored into a missing group), then only
 * the missing properties. A 409 means "already there". Existing properties are never updated or
 * deleted; where they differ from our definition the difference is reported as drift for the admin.
 */
export async function bootstrapPortal(
  crm: CrmApi,
  run: CallRunner,
  deps: { clock: Clock; logger: Logger; onProgress?: (done: number, total: number) => Promise<void> | void },
): Promise<BootstrapReport> {
  const groups = await run('properties.groups.list', (token) => crm.listPropertyGroups(token));
  let groupCreated = false;
  if (!groups.data.some((group) => group.name === PROPERTY_GROUP.name && group.archived !== true)) {
    groupCreated = await createIgnoringConflict(() =>
      run('properties.groups.create', (token) => crm.createPropertyGroup(token, { ...PROPERTY_GROUP })),
    );
  }

  const listed = await run('properties.list', (token) => crm.listProperties(token));
  const byName = new Map(listed.data.filter((property) => property.archived !== true).map((property) => [property.name, property]));

  const created: string[] = [];
  const existing: string[] = [];
  const missing: string[] = [];
  const drift: PropertyDrift[] = [];
  const total = PROPERTY_DEFINITIONS.length;
  for (const definition of PROPERTY_DEFINITIONS) {
    await deps.onProgress?.(created.length + existing.length + missing.length, total);
    const current = byName.get(definition.name);
    if (current) {
      existing.push(definition.name);
      drift.push(...driftOf(definition, current));
      continue;
    }
    try {
      // POSTing an archived name restores it with its values (HubSpot keeps deleted properties 90 days).
      const wasCreated = await createIgnoringConflict(() => run('properties.create', (token) => crm.createProperty(token, definition)));
      (wasCreated ? created : existing).push(definition.name);
    } catch (error) {
      if (error instanceof HubSpotCallError && !error.retryable && error.status !== 401 && error.status !== 403) {
        deps.logger.warn('hubspot property could not be created', { property: definition.name, status: error.status, message: error.message });
        missing.push(definition.name);
        continue;
      }
      throw error;
    }
  }
  if (created.length > 0 || groupCreated) {
    deps.logger.info('hubspot bootstrap created properties', { groupCreated, created });
  }
  return {
    ok: missing.length === 0,
    groupCreated,
    created,
    existing,
    missing,
    drift,
    checkedAt: new Date(deps.clock.now()).toISOString(),
  };
}

async function createIgnoringConflict(create: () => Promise<unknown>): Promise<boolean> {
  try {
    await create();
    return true;
  } catch (error) {
    if (error instanceof HubSpotCallError && error.status === 409) return false;
    throw error;
  }
}

/**
 * How an existing property differs from our definition, with a severity an admin can act on:
 * - `info`: label, description or group changed (a customer renamed or moved it). Writes still work;
 *   nothing to fix, and never a reason to delete the property (that destroys its values).
 * - `warning`: type, field type or missing options. Writes of some values will be refused; the
 *   drift names the property and what to change back.
 */
function driftOf(definition: PropertyDefinition, current: HubSpotProperty): PropertyDrift[] {
  const differences: PropertyDrift[] = [];
  const compare = (field: string, expected: unknown, actual: unknown, severity: PropertyDrift['severity']) => {
    if (JSON.stringify(expected) !== JSON.stringify(actual)) differences.push({ name: definition.name, field, expected, actual, severity });
  };
  compare('type', definition.type, current.type, 'warning');
  compare('fieldType', definition.fieldType, current.fieldType, 'warning');
  compare('label', definition.label, current.label, 'info');
  compare('groupName', definition.groupName, current.groupName, 'info');
  if (current.description !== undefined) compare('description', definition.description ?? '', current.description ?? '', 'info');
  if (definition.type === 'enumeration') {
    const actualValues = (current.options ?? []).filter((option) => option.hidden !== true).map((option) => option.value);
    const missingOptions = definition.options.map((option) => option.value).filter((value) => !actualValues.includes(value));
    if (missingOptions.length > 0) differences.push({ name: definition.name, field: 'options', expected: definition.options.map((o) => o.value), actual: actualValues, severity: 'warning' });
  }
  return differences;
}
