import type { EmulatorCore } from './core.js';
import { isValidEmail } from './email-validation.js';
import { isContactsObjectType, objectTypeError } from './properties-api.js';
import {
  hubspotError,
  isRecord,
  json,
  missingAttributesMessage,
  noContent,
  notFoundError,
  validationError,
  type HubSpotErrorBody,
  type Reply,
} from './replies.js';
import { listParam, requireAuth, type RequestContext } from './routing.js';
import type { ContactRecord, PortalState, PropertyRecord } from './state.js';

// Contacts: batch upsert keyed by email with HubSpot's all-or-nothing validation, plus the single
// create/read/update/archive, batch read, list and search endpoints a client needs to check results.

export const MAX_BATCH_INPUTS = 100;
const DEFAULT_PROPERTIES = ['createdate', 'email', 'firstname', 'lastname', 'hs_object_id', 'lastmodifieddate'];
/** Always returned with a record, whatever was asked for. */
const SYSTEM_PROPERTIES = ['createdate', 'hs_object_id', 'lastmodifieddate'];
const DAY_MS = 86_400_000;

// ---- value validation ---------------------------------------------------------------------------

export interface ValueProblem {
  name: string;
  code: string;
  message: string;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseInstant(value: string): number | undefined {
  if (/^-?\d+$/.test(value)) return Number(value);
  if (!ISO_DATE.test(value)) return undefined;
  const ms = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
  return Number.isNaN(ms) ? undefined : ms;
}

function timeOfDay(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

/** Wire values are strings; the live API also takes JSON numbers/booleans (coerced). null clears like "". */
function wireValue(raw: unknown): string | undefined {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
  if (typeof raw === 'boolean') return String(raw);
  if (raw === null) return '';
  return undefined;
}

function checkValue(core: EmulatorCore, property: PropertyRecord, value: string): ValueProblem | undefined {
  if (value === '') return undefined; // clears the value
  const { name } = property;
  if (name === 'email') {
    return isValidEmail(value, core.options.contacts.extraTlds) ? undefined : { name, code: 'INVALID_EMAIL', message: `Email address ${value} is invalid` };
  }
  switch (property.type) {
    case 'number':
      return NUMBER.test(value) ? undefined : { name, code: core.options.contacts.numberErrorCode, message: `${value} was not a valid number.` };
    case 'datetime':
      return parseInstant(value) === undefined ? { name, code: 'INVALID_LONG', message: `${value} was not a valid long.` } : undefined;
    case 'date': {
      const ms = parseInstant(value);
      if (ms === undefined) return { name, code: 'INVALID_LONG', message: `${value} was not a valid long.` };
      return ms % DAY_MS === 0 ? undefined : { name, code: 'INVALID_DATE', message: `${value} is at ${timeOfDay(ms)} UTC, not midnight!` };
    }
    case 'bool':
    case 'enumeration': {
      const allowed = property.type === 'bool' && property.options.length === 0 ? ['true', 'false'] : property.options.map((option) => option.value);
      const chosen = property.fieldType === 'checkbox' ? value.split(';') : [value];
      const bad = chosen.find((item) => !allowed.includes(item));
      return bad === undefined ? undefined : { name, code: 'INVALID_OPTION', message: `${bad} was not one of the allowed options: [${allowed.join(', ')}]` };
    }
    default:
      return undefined;
  }
}

interface CheckedProperties {
  values: Map<string, string>;
  problems: ValueProblem[];
  /** A value that is not a string/number/boolean/null: HubSpot cannot deserialise the body at all. */
  malformed?: string;
}

function checkProperties(core: EmulatorCore, portal: PortalState, properties: Record<string, unknown>): CheckedProperties {
  const values = new Map<string, string>();
  const problems: ValueProblem[] = [];
  for (const [name, raw] of Object.entries(properties)) {
    const value = wireValue(raw);
    if (value === undefined) return { values, problems, malformed: name };
    const property = portal.properties.get(name);
    if (!property || property.archived) {
      problems.push({ name, code: 'PROPERTY_DOESNT_EXIST', message: `Property "${name}" does not exist` });
      continue;
    }
    if (property.readOnlyValue) {
      problems.push({ name, code: 'READ_ONLY_VALUE', message: `"${name}" is a read only property; its value cannot be set.` });
      continue;
    }
    const invalid = checkValue(core, property, value);
    if (invalid) problems.push(invalid);
    else values.set(name, value);
  }
  return { values, problems };
}

/** The envelope HubSpot uses for invalid property values: the per-property list is JSON inside `message`. */
export function propertyProblemsBody(correlationId: string, hubId: number, problems: ValueProblem[]): HubSpotErrorBody {
  const detail = problems.map((p) => ({ isValid: false, message: p.message, error: p.code, name: p.name, localizedErrorMessage: p.message, portalId: hubId }));
  return {
    status: 'error',
    message: `Property values were not valid: ${JSON.stringify(detail)}`,
    correlationId,
    errors: problems.map((p) => ({ message: p.message, code: p.code, context: { propertyName: [p.name] } })),
    category: 'VALIDATION_ERROR',
  };
}

function malformedReply(correlationId: string, name: string): Reply {
  return validationError(correlationId, `Invalid input JSON on line 1, column 1: Cannot deserialize value of type \`java.lang.String\` from non-scalar value (through reference chain: properties["${name}"])`);
}

// ---- records ------------------------------------------------------------------------------------

export function emailKey(core: EmulatorCore, email: string): string {
  return core.options.contacts.emailMatching === 'lowercase' ? email.toLowerCase() : email;
}

function propertyValue(portal: PortalState, contact: ContactRecord, name: string, core: EmulatorCore): string | undefined {
  if (name === 'hs_object_id') return contact.id;
  if (name === 'createdate') return core.iso(contact.createdAt);
  if (name === 'lastmodifieddate') return core.iso(contact.updatedAt);
  const property = portal.properties.get(name);
  if (!property || property.archived) return undefined; // archived values are kept but hidden
  const value = contact.properties.get(name);
  return value === undefined || value === '' ? undefined : value;
}

/** A record as the API returns it: properties with no value are omitted. */
export function contactJson(core: EmulatorCore, portal: PortalState, contact: ContactRecord, names: Iterable<string>): Record<string, unknown> {
  const properties: Record<string, string> = {};
  for (const name of new Set([...names, ...SYSTEM_PROPERTIES])) {
    const value = propertyValue(portal, contact, name, core);
    if (value !== undefined) properties[name] = value;
  }
  const out: Record<string, unknown> = {
    id: contact.id,
    properties,
    createdAt: core.iso(contact.createdAt),
    updatedAt: core.iso(contact.updatedAt),
    archived: contact.archived,
  };
  if (contact.archivedAt !== undefined) out.archivedAt = core.iso(contact.archivedAt);
  return out;
}

function createContact(core: EmulatorCore, portal: PortalState): ContactRecord {
  const now = core.now();
  const contact: ContactRecord = { id: String(portal.nextContactId++), properties: new Map(), createdAt: now, updatedAt: now, archived: false };
  portal.contacts.set(contact.id, contact);
  return contact;
}

function applyValues(core: EmulatorCore, portal: PortalState, contact: ContactRecord, values: Map<string, string>): void {
  for (const [name, value] of values) {
    if (name === 'email') {
      const old = contact.properties.get('email');
      if (old !== undefined && portal.emailIndex.get(emailKey(core, old)) === contact.id) portal.emailIndex.delete(emailKey(core, old));
      const stored = value === '' ? value : emailKey(core, value);
      if (stored !== '') portal.emailIndex.set(stored, contact.id);
      if (stored === '') contact.properties.delete(name);
      else contact.properties.set(name, stored);
      continue;
    }
    if (value === '') contact.properties.delete(name);
    else contact.properties.set(name, value);
  }
  contact.updatedAt = core.now();
}

export function findContact(core: EmulatorCore, portal: PortalState, id: string, idProperty: string | null | undefined): ContactRecord | undefined {
  if (idProperty === 'email') {
    const found = portal.emailIndex.get(emailKey(core, id));
    return found === undefined ? undefined : portal.contacts.get(found);
  }
  if (idProperty && idProperty !== 'hs_object_id') {
    return [...portal.contacts.values()].find((contact) => !contact.archived && contact.properties.get(idProperty) === id);
  }
  const contact = portal.contacts.get(id);
  return contact && !contact.archived ? contact : undefined;
}

export function archiveContact(core: EmulatorCore, portal: PortalState, contact: ContactRecord): void {
  if (contact.archived) return;
  const email = contact.properties.get('email');
  if (email !== undefined && portal.emailIndex.get(emailKey(core, email)) === contact.id) portal.emailIndex.delete(emailKey(core, email));
  contact.archived = true;
  contact.archivedAt = core.now();
}

function withContacts(fn: (ctx: RequestContext, portal: PortalState) => Reply): (ctx: RequestContext) => Reply {
  return (ctx) => {
    const { portal } = requireAuth(ctx);
    const objectType = ctx.params.objectType ?? '';
    if (!isContactsObjectType(objectType)) return objectTypeError(ctx.correlationId, objectType);
    return fn(ctx, portal);
  };
}

// ---- batch upsert -------------------------------------------------------------------------------

interface UpsertInput {
  id: string;
  idProperty: string | undefined;
  traceId: string | undefined;
  properties: Record<string, unknown>;
  /** Key used for matching and duplicate detection. */
  key: string;
}

interface CheckedInput {
  input: UpsertInput;
  values: Map<string, string>;
  problems: ValueProblem[];
  missingRecord: boolean;
}

function batchSizeError(correlationId: string, count: number): Reply {
  return validationError(
    correlationId,
    count === 0
      ? 'Invalid input: inputs must contain at least 1 item.'
      : `Batch input size ${count} exceeds the maximum of ${MAX_BATCH_INPUTS} inputs per request.`,
    { context: { maxInputs: [String(MAX_BATCH_INPUTS)], inputs: [String(count)] } },
  );
}

function parseUpsertInputs(ctx: RequestContext): UpsertInput[] | Reply {
  const body = ctx.body;
  if (!isRecord(body) || !Array.isArray(body.inputs)) {
    return validationError(ctx.correlationId, missingAttributesMessage('BatchInputSimplePublicObjectBatchInputUpsert', ['inputs']));
  }
  const raw = body.inputs as unknown[];
  if (raw.length === 0 || raw.length > MAX_BATCH_INPUTS) return batchSizeError(ctx.correlationId, raw.length);
  const inputs: UpsertInput[] = [];
  for (const item of raw) {
    if (!isRecord(item)) return validationError(ctx.correlationId, missingAttributesMessage('SimplePublicObjectBatchInputUpsert', ['id', 'properties']));
    const missing = [
      ...(typeof item.id === 'string' || typeof item.id === 'number' ? [] : ['id']),
      ...(isRecord(item.properties) ? [] : ['properties']),
    ];
    if (missing.length) return validationError(ctx.correlationId, missingAttributesMessage('SimplePublicObjectBatchInputUpsert', missing));
    const id = String(item.id);
    const idProperty = typeof item.idProperty === 'string' ? item.idProperty : undefined;
    inputs.push({
      id,
      idProperty,
      traceId: typeof item.objectWriteTraceId === 'string' ? item.objectWriteTraceId : undefined,
      properties: item.properties as Record<string, unknown>,
      key: idProperty === 'email' ? emailKey(ctx.core, id) : id,
    });
  }
  return inputs;
}

function checkUpsertInput(core: EmulatorCore, portal: PortalState, input: UpsertInput): CheckedInput | { malformed: string } {
  const checked = checkProperties(core, portal, input.properties);
  if (checked.malformed !== undefined) return { malformed: checked.malformed };
  const problems = [...checked.problems];
  let missingRecord = false;
  if (input.idProperty === 'email') {
    if (!isValidEmail(input.id, core.options.contacts.extraTlds)) {
      if (!problems.some((p) => p.code === 'INVALID_EMAIL' && p.message.includes(input.id))) {
        problems.push({ name: 'email', code: 'INVALID_EMAIL', message: `Email address ${input.id} is invalid` });
      }
    }
  } else if (!findContact(core, portal, input.id, 'hs_object_id')) {
    missingRecord = true;
  }
  // An email change onto another contact's address would make two contacts share it.
  const email = checked.values.get('email');
  if (email) {
    const owner = portal.emailIndex.get(emailKey(core, email));
    const self = findContact(core, portal, input.id, input.idProperty);
    if (owner !== undefined && owner !== self?.id) {
      problems.push({ name: 'email', code: 'CONTACT_EXISTS', message: `A contact with the email ${email} already exists. Existing ID: ${owner}` });
    }
  }
  return { input, values: checked.values, problems, missingRecord };
}

function writeUpsert(core: EmulatorCore, portal: PortalState, checked: CheckedInput): { json: Record<string, unknown>; created: boolean } {
  const { input, values } = checked;
  let contact = findContact(core, portal, input.id, input.idProperty);
  const created = contact === undefined;
  if (!contact) {
    contact = createContact(core, portal);
    if (input.idProperty === 'email' && !values.has('email')) applyValues(core, portal, contact, new Map([['email', input.id]]));
  }
  applyValues(core, portal, contact, values);
  const names = [...values.keys(), 'email'];
  const result = contactJson(core, portal, contact, names);
  result.new = created;
  if (input.traceId !== undefined) result.objectWriteTraceId = input.traceId;
  return { json: result, created };
}

/** Results never come back in input order (HubSpot's don't): shuffle, and never leave the identity order. */
function reorder<T>(core: EmulatorCore, items: T[]): T[] {
  if (!core.options.contacts.shuffleResults || items.length < 2) return items;
  const shuffled = core.random.shuffle.shuffle([...items]);
  if (shuffled.every((item, index) => item === items[index])) shuffled.push(shuffled.shift() as T);
  return shuffled;
}

export const batchUpsertContacts = withContacts((ctx, portal) => {
  const core = ctx.core;
  const startedAt = core.iso();
  const inputs = parseUpsertInputs(ctx);
  if (!Array.isArray(inputs)) return inputs;

  for (const input of inputs) {
    const unsupported = input.idProperty !== undefined && input.idProperty !== 'hs_object_id' && (input.idProperty !== 'email' || core.options.contacts.legacyEmailUpsert);
    if (unsupported) return validationError(ctx.correlationId, `Unable to perform update/upsert by non-unique 0-1 property ${input.idProperty}`);
  }

  const seen = new Set<string>();
  const duplicates: string[] = [];
  for (const input of inputs) {
    if (seen.has(input.key) && !duplicates.includes(input.key)) duplicates.push(input.key);
    seen.add(input.key);
  }
  if (duplicates.length) {
    return validationError(ctx.correlationId, `Duplicate IDs found in batch input: [${duplicates.join(', ')}]. IDs must be unique`, { context: { ids: duplicates } });
  }

  const checked: CheckedInput[] = [];
  for (const input of inputs) {
    const result = checkUpsertInput(core, portal, input);
    if ('malformed' in result) return malformedReply(ctx.correlationId, result.malformed);
    checked.push(result);
  }

  const traceIds = inputs.map((input) => input.traceId);
  const multiStatus = core.options.contacts.upsertMode === 'multi-status' && traceIds.every((id) => id) && new Set(traceIds).size === traceIds.length;
  const invalid = checked.filter((item) => item.problems.length > 0 || item.missingRecord);

  if (invalid.length && !multiStatus) {
    const missing = invalid.filter((item) => item.missingRecord).map((item) => item.input.id);
    if (missing.length) {
      return hubspotError(400, ctx.correlationId, 'OBJECT_NOT_FOUND', 'Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.', { context: { ids: missing } });
    }
    const reported = core.options.contacts.validationErrors === 'first-input' ? invalid.slice(0, 1) : invalid;
    return json(400, propertyProblemsBody(ctx.correlationId, portal.hubId, reported.flatMap((item) => item.problems)));
  }

  let created = 0;
  let updated = 0;
  const results: Record<string, unknown>[] = [];
  for (const item of checked) {
    if (item.problems.length > 0 || item.missingRecord) continue;
    const written = writeUpsert(core, portal, item);
    if (written.created) created++;
    else updated++;
    results.push(written.json);
  }
  core.counters.contactWrites(portal.hubId, created, updated);
  const base = { status: 'COMPLETE', results: reorder(core, results), startedAt, completedAt: core.iso() };
  if (!invalid.length) return json(200, base);
  const errors = invalid.map((item): HubSpotErrorBody => {
    const body = item.missingRecord
      ? { message: 'Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.', category: 'OBJECT_NOT_FOUND', errors: [] }
      : propertyProblemsBody(ctx.correlationId, portal.hubId, item.problems);
    return { status: 'error', category: body.category, message: body.message, correlationId: ctx.correlationId, context: { objectWriteTraceId: [item.input.traceId ?? ''] }, errors: body.errors ?? [], links: {} };
  });
  return json(207, { ...base, numErrors: errors.length, errors });
});

// ---- single-record endpoints --------------------------------------------------------------------

function requestedProperties(ctx: RequestContext): string[] {
  return listParam(ctx.url, 'properties') ?? DEFAULT_PROPERTIES;
}

export const createContactRoute = withContacts((ctx, portal) => {
  const core = ctx.core;
  const body = ctx.body;
  if (!isRecord(body) || !isRecord(body.properties)) return validationError(ctx.correlationId, missingAttributesMessage('SimplePublicObjectInputForCreate', ['properties']));
  const checked = checkProperties(core, portal, body.properties);
  if (checked.malformed !== undefined) return malformedReply(ctx.correlationId, checked.malformed);
  if (checked.problems.length) return json(400, propertyProblemsBody(ctx.correlationId, portal.hubId, checked.problems));
  const email = checked.values.get('email');
  const existing = email ? portal.emailIndex.get(emailKey(core, email)) : undefined;
  if (existing !== undefined) return hubspotError(409, ctx.correlationId, 'CONFLICT', `Contact already exists. Existing ID: ${existing}`);
  const contact = createContact(core, portal);
  applyValues(core, portal, contact, checked.values);
  core.counters.contactWrites(portal.hubId, 1, 0);
  return json(201, contactJson(core, portal, contact, checked.values.keys()));
});

function notFound(ctx: RequestContext, id: string): Reply {
  return notFoundError(ctx.correlationId, 'Object not found.  objectId are usually numeric.', { context: { id: [id] } });
}

export const readContact = withContacts((ctx, portal) => {
  const id = ctx.params.contactId ?? '';
  const contact = findContact(ctx.core, portal, id, ctx.url.searchParams.get('idProperty'));
  if (!contact) return notFound(ctx, id);
  return json(200, contactJson(ctx.core, portal, contact, requestedProperties(ctx)));
});

export const updateContact = withContacts((ctx, portal) => {
  const core = ctx.core;
  const id = ctx.params.contactId ?? '';
  const contact = findContact(core, portal, id, ctx.url.searchParams.get('idProperty'));
  if (!contact) return notFound(ctx, id);
  const body = ctx.body;
  if (!isRecord(body) || !isRecord(body.properties)) return validationError(ctx.correlationId, missingAttributesMessage('SimplePublicObjectInput', ['properties']));
  const checked = checkProperties(core, portal, body.properties);
  if (checked.malformed !== undefined) return malformedReply(ctx.correlationId, checked.malformed);
  if (checked.problems.length) return json(400, propertyProblemsBody(ctx.correlationId, portal.hubId, checked.problems));
  applyValues(core, portal, contact, checked.values);
  core.counters.contactWrites(portal.hubId, 0, 1);
  return json(200, contactJson(core, portal, contact, checked.values.keys()));
});

export const archiveContactRoute = withContacts((ctx, portal) => {
  const contact = findContact(ctx.core, portal, ctx.params.contactId ?? '', 'hs_object_id');
  if (contact) archiveContact(ctx.core, portal, contact);
  return noContent(); // HubSpot answers 204 for unknown ids too
});

export const listContacts = withContacts((ctx, portal) => {
  const limit = Math.min(100, Math.max(1, Number(ctx.url.searchParams.get('limit') ?? 10) || 10));
  const after = Number(ctx.url.searchParams.get('after') ?? 0) || 0;
  const names = requestedProperties(ctx);
  const page = [...portal.contacts.values()].filter((contact) => !contact.archived && Number(contact.id) > after).slice(0, limit + 1);
  const results = page.slice(0, limit).map((contact) => contactJson(ctx.core, portal, contact, names));
  const last = page.length > limit ? page[limit - 1] : undefined;
  return json(200, last ? { results, paging: { next: { after: last.id, link: `?after=${last.id}` } } } : { results });
});

export const batchReadContacts = withContacts((ctx, portal) => {
  const core = ctx.core;
  const body = ctx.body;
  if (!isRecord(body) || !Array.isArray(body.inputs)) return validationError(ctx.correlationId, missingAttributesMessage('BatchReadInputSimplePublicObjectId', ['inputs']));
  const inputs = body.inputs as unknown[];
  if (inputs.length > MAX_BATCH_INPUTS) return batchSizeError(ctx.correlationId, inputs.length);
  const startedAt = core.iso();
  const idProperty = typeof body.idProperty === 'string' ? body.idProperty : undefined;
  const names = Array.isArray(body.properties) && body.properties.length ? body.properties.filter((n): n is string => typeof n === 'string') : DEFAULT_PROPERTIES;
  const results: Record<string, unknown>[] = [];
  const missing: string[] = [];
  for (const input of inputs) {
    const id = isRecord(input) && (typeof input.id === 'string' || typeof input.id === 'number') ? String(input.id) : '';
    const contact = findContact(core, portal, id, idProperty);
    if (contact) results.push(contactJson(core, portal, contact, names));
    else missing.push(id);
  }
  const base = { status: 'COMPLETE', results: reorder(core, results), startedAt, completedAt: core.iso() };
  if (!missing.length) return json(200, base);
  const error: HubSpotErrorBody = {
    status: 'error',
    category: 'OBJECT_NOT_FOUND',
    message: 'Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.',
    correlationId: ctx.correlationId,
    context: { ids: missing },
    errors: [],
    links: {},
  };
  return json(207, { ...base, numErrors: 1, errors: [error] });
});

// ---- search ---------------------------------------------------------------------------------

interface Filter {
  propertyName: string;
  operator: string;
  value?: string;
  values?: string[];
}

function filterMatches(core: EmulatorCore, portal: PortalState, contact: ContactRecord, filter: Filter): boolean {
  const actual = propertyValue(portal, contact, filter.propertyName, core);
  const fold = (value: string): string => (filter.propertyName === 'email' ? value.toLowerCase() : value);
  const expected = filter.value === undefined ? undefined : fold(filter.value);
  const numeric = (a: string, b: string): [number, number] => [Number(a), Number(b)];
  switch (filter.operator) {
    case 'EQ':
      return actual !== undefined && expected !== undefined && fold(actual) === expected;
    case 'NEQ':
      return actual === undefined || fold(actual) !== expected;
    case 'HAS_PROPERTY':
      return actual !== undefined;
    case 'NOT_HAS_PROPERTY':
      return actual === undefined;
    case 'IN':
      return actual !== undefined && (filter.values ?? []).map(fold).includes(fold(actual));
    case 'NOT_IN':
      return actual === undefined || !(filter.values ?? []).map(fold).includes(fold(actual));
    case 'CONTAINS_TOKEN': {
      if (actual === undefined || expected === undefined) return false;
      const pattern = new RegExp(`^${expected.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
      return actual.split(/[\s@.]+/).some((token) => pattern.test(token)) || pattern.test(actual);
    }
    case 'LT':
    case 'LTE':
    case 'GT':
    case 'GTE': {
      if (actual === undefined || expected === undefined) return false;
      const [a, b] = numeric(actual, expected);
      if (Number.isNaN(a) || Number.isNaN(b)) return false;
      return filter.operator === 'LT' ? a < b : filter.operator === 'LTE' ? a <= b : filter.operator === 'GT' ? a > b : a >= b;
    }
    default:
      return false;
  }
}

const OPERATORS = new Set(['EQ', 'NEQ', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY', 'IN', 'NOT_IN', 'CONTAINS_TOKEN', 'LT', 'LTE', 'GT', 'GTE']);

export const searchContacts = withContacts((ctx, portal) => {
  const core = ctx.core;
  const body = isRecord(ctx.body) ? ctx.body : {};
  const limit = typeof body.limit === 'number' ? body.limit : 10;
  if (limit > 200) return validationError(ctx.correlationId, 'There was a problem with the request.', { errors: [{ message: 'limit must be less than or equal to 200' }] });
  const groups: Filter[][] = [];
  for (const group of Array.isArray(body.filterGroups) ? body.filterGroups : []) {
    const filters: Filter[] = [];
    for (const raw of isRecord(group) && Array.isArray(group.filters) ? group.filters : []) {
      if (!isRecord(raw) || typeof raw.propertyName !== 'string' || typeof raw.operator !== 'string' || !OPERATORS.has(raw.operator)) {
        return validationError(ctx.correlationId, 'There was a problem with the request.', { errors: [{ message: 'Each filter needs a propertyName and a supported operator' }] });
      }
      const property = portal.properties.get(raw.propertyName);
      if (!property || property.archived) return validationError(ctx.correlationId, `There was a problem with the request.`, { errors: [{ message: `Property "${raw.propertyName}" does not exist` }] });
      const filter: Filter = { propertyName: raw.propertyName, operator: raw.operator };
      const value = wireValue(raw.value);
      if (value !== undefined && raw.value !== null) filter.value = value;
      if (Array.isArray(raw.values)) filter.values = raw.values.map((v) => wireValue(v) ?? '');
      filters.push(filter);
    }
    groups.push(filters);
  }
  let matches = [...portal.contacts.values()].filter(
    (contact) => !contact.archived && (groups.length === 0 || groups.some((filters) => filters.every((filter) => filterMatches(core, portal, contact, filter)))),
  );
  const sort = Array.isArray(body.sorts) && isRecord(body.sorts[0]) ? body.sorts[0] : undefined;
  if (sort && typeof sort.propertyName === 'string') {
    const name = sort.propertyName;
    const direction = sort.direction === 'DESCENDING' ? -1 : 1;
    matches = matches.sort((a, b) => (propertyValue(portal, a, name, core) ?? '').localeCompare(propertyValue(portal, b, name, core) ?? '', undefined, { numeric: true }) * direction);
  }
  const after = Number(typeof body.after === 'string' || typeof body.after === 'number' ? body.after : 0) || 0;
  const names = Array.isArray(body.properties) && body.properties.length ? body.properties.filter((n): n is string => typeof n === 'string') : DEFAULT_PROPERTIES;
  const pageItems = matches.slice(after, after + limit);
  const results = pageItems.map((contact) => contactJson(core, portal, contact, names));
  const next = after + limit < matches.length ? { paging: { next: { after: String(after + limit) } } } : {};
  return json(200, { total: matches.length, results, ...next });
});
