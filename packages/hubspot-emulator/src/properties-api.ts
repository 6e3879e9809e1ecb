import type { EmulatorCore } from './core.js';
import { withContactsPortal } from './object-type.js';
import { checkDefinition, NAME_PATTERN, parseOptions, problem, problemReply, type PropertyProblem } from './property-definitions.js';
import { isRecord, json, missingAttributesMessage, noContent, notFoundError, validationError, type HubSpotErrorBody, type Reply } from './replies.js';
import { listParam, type RequestContext } from './routing.js';
import type { PortalState, PropertyRecord } from './state.js';

// CRM properties for contacts, with the behaviours integrators trip over: 409 on an active name,
// re-creating an archived name restores it (same createdAt, values back). Groups are in
// property-groups.ts, definition rules in property-definitions.ts.

const MAX_UNIQUE_PROPERTIES = 10;

export function propertyJson(core: EmulatorCore, property: PropertyRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    updatedAt: core.iso(property.updatedAt),
    createdAt: core.iso(property.createdAt),
    name: property.name,
    label: property.label,
    type: property.type,
    fieldType: property.fieldType,
    description: property.description,
    groupName: property.groupName,
    options: property.options.map((option) => ({ ...option })),
    displayOrder: property.displayOrder,
    calculated: property.calculated,
    externalOptions: property.externalOptions,
    hasUniqueValue: property.hasUniqueValue,
    hidden: property.hidden,
    hubspotDefined: property.hubspotDefined,
    modificationMetadata: {
      archivable: property.archivable,
      readOnlyDefinition: property.readOnlyDefinition,
      readOnlyValue: property.readOnlyValue,
    },
    formField: property.formField,
    dataSensitivity: property.dataSensitivity,
  };
  // HubSpot-defined properties come back without `archived` (observed); custom ones always carry it.
  if (!property.hubspotDefined || property.archived) out.archived = property.archived;
  if (property.archivedAt !== undefined) out.archivedAt = core.iso(property.archivedAt);
  if (property.createdUserId !== undefined) out.createdUserId = property.createdUserId;
  if (property.updatedUserId !== undefined) out.updatedUserId = property.updatedUserId;
  for (const key of ['calculationFormula', 'showCurrencySymbol', 'numberDisplayHint', 'textDisplayHint', 'dateDisplayHint', 'referencedObjectType', 'currencyPropertyName'] as const) {
    if (property[key] !== undefined) out[key] = property[key];
  }
  return out;
}

const activeCustomCount = (portal: PortalState): number =>
  [...portal.properties.values()].filter((property) => !property.archived && !property.hubspotDefined).length;

function stringField(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Creates (201), restores an archived name (201, same createdAt, posted definition wins), or refuses.
 * Shared by the single and batch endpoints.
 */
function createProperty(core: EmulatorCore, portal: PortalState, body: unknown): { property: PropertyRecord; restored: boolean } | PropertyProblem {
  if (!isRecord(body)) return problem('Invalid input JSON on line 1, column 1: Cannot deserialize PropertyCreate from a non-object value');
  const missing = ['name', 'label', 'type', 'fieldType', 'groupName'].filter((key) => typeof body[key] !== 'string');
  if (missing.length) return problem(missingAttributesMessage('PropertyCreate', missing));
  const name = body.name as string;
  const existing = portal.properties.get(name);
  if (existing && !existing.archived) {
    return { status: 409, category: 'OBJECT_ALREADY_EXISTS', message: `A property named '${name}' already exists.`, subCategory: 'Properties.PROPERTY_WITH_NAME_EXISTS' };
  }
  if (!NAME_PATTERN.test(name)) {
    return problem(`Property name '${name}' is invalid: names must start with a lowercase letter and contain only lowercase letters, numbers and underscores.`, 'PropertyValidationError.INVALID_PROPERTY_NAME');
  }
  if (name.startsWith('hs_')) return problem(`Property name '${name}' is invalid: the prefix hs_ is reserved for HubSpot.`, 'PropertyValidationError.INVALID_PROPERTY_NAME');
  const options = parseOptions(body.options);
  if (!Array.isArray(options)) return options;
  const def = { name, label: body.label as string, type: body.type as string, fieldType: body.fieldType as string, groupName: body.groupName as string, options };
  const invalid = checkDefinition(portal, def);
  if (invalid) return invalid;
  if (activeCustomCount(portal) >= core.options.properties.customPropertyLimit) {
    return problem(
      `You have reached the limit of ${core.options.properties.customPropertyLimit} custom properties for contacts. Archive unused properties to create new ones.`,
      'PropertyValidationError.MAX_PROPERTIES_EXCEEDED',
    );
  }
  const hasUniqueValue = body.hasUniqueValue === true;
  if (hasUniqueValue && [...portal.properties.values()].filter((p) => !p.archived && p.hasUniqueValue).length >= MAX_UNIQUE_PROPERTIES) {
    return problem(`You can have at most ${MAX_UNIQUE_PROPERTIES} properties with unique values per object.`, 'PropertyValidationError.MAX_UNIQUE_VALUE_PROPERTIES_EXCEEDED');
  }
  const now = core.now();
  const userId = String(portal.userId);
  const property: PropertyRecord = {
    ...def,
    description: stringField(body, 'description') ?? '',
    displayOrder: typeof body.displayOrder === 'number' ? body.displayOrder : -1,
    hasUniqueValue,
    hidden: body.hidden === true,
    formField: body.formField === true,
    calculated: def.fieldType === 'calculation_equation',
    hubspotDefined: false,
    externalOptions: body.externalOptions === true,
    dataSensitivity: stringField(body, 'dataSensitivity') ?? 'non_sensitive',
    createdAt: existing ? existing.createdAt : now,
    updatedAt: now,
    archived: false,
    createdUserId: existing?.createdUserId ?? userId,
    updatedUserId: userId,
    readOnlyValue: def.fieldType === 'calculation_equation',
    readOnlyDefinition: false,
    archivable: true,
    inUse: 0,
  };
  for (const key of ['calculationFormula', 'numberDisplayHint', 'textDisplayHint', 'referencedObjectType', 'currencyPropertyName'] as const) {
    const value = stringField(body, key);
    if (value !== undefined) property[key] = value;
  }
  if (typeof body.showCurrencySymbol === 'boolean') property.showCurrencySymbol = body.showCurrencySymbol;
  if (property.type === 'date' || property.type === 'datetime') property.dateDisplayHint = 'absolute';
  portal.properties.set(name, property);
  return { property, restored: existing !== undefined };
}

function archiveProblem(portal: PortalState, name: string, force: boolean): PropertyProblem | undefined {
  const property = portal.properties.get(name);
  if (!property || property.archived) return { status: 404, category: 'OBJECT_NOT_FOUND', message: `Property ${name} does not exist` };
  if (property.hubspotDefined || !property.archivable) {
    return problem(`Property ${name} is defined by HubSpot and cannot be deleted.`, 'PropertyValidationError.CANNOT_DELETE_HUBSPOT_DEFINED_PROPERTY');
  }
  if (!force && property.inUse > 0) {
    return problem(`${name} is currently used in ${property.inUse} places and cannot be deleted`, 'PropertyValidationError.CANNOT_DELETE_PROPERTY_IN_USE');
  }
  return undefined;
}

/** Archives (soft-deletes) a property; values stay on the records so a restore brings them back. */
export function archiveProperty(core: EmulatorCore, portal: PortalState, name: string, force = false): PropertyProblem | undefined {
  const refused = archiveProblem(portal, name, force);
  if (refused) return refused;
  const property = portal.properties.get(name);
  if (!property) return undefined;
  const now = core.now();
  property.archived = true;
  property.archivedAt = now;
  property.updatedAt = now;
  return undefined;
}

const truthy = (value: string | null): boolean => value === 'true';

export const listProperties = withContactsPortal((ctx, portal) => {
  const archived = truthy(ctx.url.searchParams.get('archived'));
  const only = listParam(ctx.url, 'properties');
  const results = [...portal.properties.values()]
    .filter((property) => property.archived === archived)
    .filter((property) => !only || only.includes(property.name))
    .map((property) => propertyJson(ctx.core, property));
  return json(200, { results });
});

export const readProperty = withContactsPortal((ctx, portal) => {
  const name = ctx.params.name ?? '';
  const property = portal.properties.get(name);
  if (!property || (property.archived && !truthy(ctx.url.searchParams.get('archived')))) {
    return notFoundError(ctx.correlationId, `Property ${name} does not exist`);
  }
  return json(200, propertyJson(ctx.core, property));
});

export const createPropertyRoute = withContactsPortal((ctx, portal) => {
  const created = createProperty(ctx.core, portal, ctx.body);
  if ('category' in created) return problemReply(ctx.correlationId, created);
  return json(201, propertyJson(ctx.core, created.property), { Location: `/crm/v3/properties/contacts/${encodeURIComponent(created.property.name)}` });
});

const UPDATABLE_STRINGS = ['label', 'description', 'groupName', 'type', 'fieldType', 'calculationFormula', 'numberDisplayHint', 'textDisplayHint', 'referencedObjectType', 'currencyPropertyName'] as const;

export const updateProperty = withContactsPortal((ctx, portal) => {
  const name = ctx.params.name ?? '';
  const property = portal.properties.get(name);
  if (!property || property.archived) return notFoundError(ctx.correlationId, `Property ${name} does not exist`);
  const body = ctx.body;
  if (!isRecord(body)) return validationError(ctx.correlationId, 'Invalid input JSON on line 1, column 1: Cannot deserialize PropertyUpdate from a non-object value');
  if (property.readOnlyDefinition) {
    return validationError(ctx.correlationId, `Property ${name} is defined by HubSpot and its definition is read-only.`, { subCategory: 'PropertyValidationError.READ_ONLY_DEFINITION' });
  }
  // Fields left out keep their value; name and hasUniqueValue are immutable and silently ignored.
  const next: PropertyRecord = { ...property, options: property.options.map((option) => ({ ...option })) };
  for (const key of UPDATABLE_STRINGS) {
    if (typeof body[key] === 'string') next[key] = body[key];
  }
  if (body.options !== undefined) {
    const options = parseOptions(body.options);
    if (!Array.isArray(options)) return problemReply(ctx.correlationId, options);
    next.options = options; // replaces the whole list: an option left out is removed
  }
  if (typeof body.displayOrder === 'number') next.displayOrder = body.displayOrder;
  for (const key of ['hidden', 'formField', 'showCurrencySymbol'] as const) {
    if (typeof body[key] === 'boolean') next[key] = body[key];
  }
  const invalid = checkDefinition(portal, next);
  if (invalid) return problemReply(ctx.correlationId, invalid);
  next.calculated = next.fieldType === 'calculation_equation';
  next.updatedAt = ctx.core.now();
  next.updatedUserId = String(portal.userId);
  portal.properties.set(name, next);
  return json(200, propertyJson(ctx.core, next));
});

export const archivePropertyRoute = withContactsPortal((ctx, portal) => {
  const refused = archiveProperty(ctx.core, portal, ctx.params.name ?? '');
  return refused ? problemReply(ctx.correlationId, refused) : noContent();
});

function batchInputs(ctx: RequestContext, typeName: string): unknown[] | Reply {
  const body = ctx.body;
  if (!isRecord(body) || !Array.isArray(body.inputs)) return validationError(ctx.correlationId, missingAttributesMessage(typeName, ['inputs']));
  return body.inputs as unknown[];
}

function batchError(correlationId: string, p: PropertyProblem, name: string | undefined): HubSpotErrorBody {
  const error: HubSpotErrorBody = { status: 'error', category: p.category, message: p.message, correlationId, context: name ? { name: [name] } : {}, errors: [], links: {} };
  if (p.subCategory) error.subCategory = p.subCategory;
  return error;
}

export const batchCreateProperties = withContactsPortal((ctx, portal) => {
  const inputs = batchInputs(ctx, 'BatchInputPropertyCreate');
  if (!Array.isArray(inputs)) return inputs;
  const startedAt = ctx.core.iso();
  const results: unknown[] = [];
  const errors: HubSpotErrorBody[] = [];
  for (const input of inputs) {
    const created = createProperty(ctx.core, portal, input);
    if ('category' in created) errors.push(batchError(ctx.correlationId, created, isRecord(input) && typeof input.name === 'string' ? input.name : undefined));
    else results.push(propertyJson(ctx.core, created.property));
  }
  const base = { status: 'COMPLETE', results, startedAt, completedAt: ctx.core.iso() };
  return errors.length ? json(207, { ...base, numErrors: errors.length, errors }) : json(201, base);
});

export const batchReadProperties = withContactsPortal((ctx, portal) => {
  const inputs = batchInputs(ctx, 'BatchReadInputPropertyName');
  if (!Array.isArray(inputs)) return inputs;
  const archived = isRecord(ctx.body) && ctx.body.archived === true;
  const startedAt = ctx.core.iso();
  const results: unknown[] = [];
  const errors: HubSpotErrorBody[] = [];
  for (const input of inputs) {
    const name = isRecord(input) && typeof input.name === 'string' ? input.name : '';
    const property = portal.properties.get(name);
    if (property && (!property.archived || archived)) results.push(propertyJson(ctx.core, property));
    else errors.push(batchError(ctx.correlationId, { status: 404, category: 'OBJECT_NOT_FOUND', message: `Property ${name} does not exist` }, name));
  }
  const base = { status: 'COMPLETE', results, startedAt, completedAt: ctx.core.iso() };
  return errors.length ? json(207, { ...base, numErrors: errors.length, errors }) : json(200, base);
});

export const batchArchiveProperties = withContactsPortal((ctx, portal) => {
  const inputs = batchInputs(ctx, 'BatchInputPropertyName');
  if (!Array.isArray(inputs)) return inputs;
  // 204 whatever happened: unknown, HubSpot-defined and in-use names are skipped silently.
  for (const input of inputs) {
    if (isRecord(input) && typeof input.name === 'string') archiveProperty(ctx.core, portal, input.name);
  }
  return noContent();
});
