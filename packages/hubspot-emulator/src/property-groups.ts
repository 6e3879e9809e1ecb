import type { EmulatorCore } from './core.js';
import { withContactsPortal } from './object-type.js';
import { archiveProperty } from './properties-api.js';
import { NAME_PATTERN, problem, type PropertyProblem } from './property-definitions.js';
import { hubspotError, isRecord, json, missingAttributesMessage, noContent, notFoundError, validationError } from './replies.js';
import type { GroupRecord, PortalState } from './state.js';

// Contact property groups, with the behaviours integrators trip over: a group with active properties
// cannot be archived, archived groups are gone for good.

export function groupJson(group: GroupRecord): Record<string, unknown> {
  return { name: group.name, label: group.label, displayOrder: group.displayOrder, archived: group.archived };
}

/** What a customer deleting a group in HubSpot's UI does: its properties are archived first, then the group. */
export function deleteGroupAsCustomer(core: EmulatorCore, portal: PortalState, name: string): PropertyProblem | undefined {
  const group = portal.groups.get(name);
  if (!group || group.archived) return { status: 404, category: 'OBJECT_NOT_FOUND', message: `Property group ${name} does not exist` };
  if (group.hubspotDefined) return problem(`Property group ${name} is defined by HubSpot and cannot be deleted.`);
  for (const property of portal.properties.values()) {
    if (property.groupName === name && !property.archived) archiveProperty(core, portal, property.name, true);
  }
  group.archived = true;
  return undefined;
}

export const listGroups = withContactsPortal((_ctx, portal) =>
  json(200, { results: [...portal.groups.values()].filter((group) => !group.archived).map(groupJson) }),
);

export const readGroup = withContactsPortal((ctx, portal) => {
  const group = portal.groups.get(ctx.params.groupName ?? '');
  if (!group || group.archived) return notFoundError(ctx.correlationId, `Property group ${ctx.params.groupName ?? ''} does not exist`);
  return json(200, groupJson(group));
});

export const createGroup = withContactsPortal((ctx, portal) => {
  const body = ctx.body;
  if (!isRecord(body)) return validationError(ctx.correlationId, missingAttributesMessage('PropertyGroupCreate', ['name', 'label']));
  const missing = ['name', 'label'].filter((key) => typeof body[key] !== 'string' || body[key] === '');
  if (missing.length) return validationError(ctx.correlationId, missingAttributesMessage('PropertyGroupCreate', missing));
  const name = body.name as string;
  if (!NAME_PATTERN.test(name)) {
    return validationError(ctx.correlationId, `Property group name '${name}' is invalid: names must start with a lowercase letter and contain only lowercase letters, numbers and underscores.`);
  }
  const existing = portal.groups.get(name);
  if (existing && !existing.archived) {
    const conflict = ctx.core.options.properties.groupConflict;
    return hubspotError(conflict.status, ctx.correlationId, conflict.category, `A property group named '${name}' already exists.`, { subCategory: conflict.subCategory });
  }
  // An archived group cannot be restored: the same name makes a brand-new group.
  const group: GroupRecord = { name, label: body.label as string, displayOrder: typeof body.displayOrder === 'number' ? body.displayOrder : -1, archived: false, hubspotDefined: false };
  portal.groups.set(name, group);
  return json(201, groupJson(group));
});

export const updateGroup = withContactsPortal((ctx, portal) => {
  const group = portal.groups.get(ctx.params.groupName ?? '');
  if (!group || group.archived) return notFoundError(ctx.correlationId, `Property group ${ctx.params.groupName ?? ''} does not exist`);
  const body = ctx.body;
  if (!isRecord(body)) return validationError(ctx.correlationId, 'Invalid input JSON on line 1, column 1: Cannot deserialize PropertyGroupUpdate from a non-object value');
  if (typeof body.label === 'string') group.label = body.label;
  if (typeof body.displayOrder === 'number') group.displayOrder = body.displayOrder;
  return json(200, groupJson(group));
});

export const archiveGroup = withContactsPortal((ctx, portal) => {
  const name = ctx.params.groupName ?? '';
  const group = portal.groups.get(name);
  if (!group || group.archived) return notFoundError(ctx.correlationId, `Property group ${name} does not exist`);
  if (group.hubspotDefined) return validationError(ctx.correlationId, `Property group ${name} is defined by HubSpot and cannot be deleted.`);
  const active = [...portal.properties.values()].some((property) => property.groupName === name && !property.archived);
  if (active) {
    // HubSpot nests the real error, serialised, inside `message`.
    const inner = {
      status: 'error',
      message: "Can't delete or purge a group with active properties",
      correlationId: ctx.correlationId,
      category: 'VALIDATION_ERROR',
      subCategory: 'PropertyGroupError.GROUP_WITH_ACTIVE_PROPERTIES',
    };
    return validationError(ctx.correlationId, JSON.stringify(inner), { subCategory: 'PropertyGroupError.GROUP_WITH_ACTIVE_PROPERTIES' });
  }
  group.archived = true;
  return noContent();
});
