import type { EmulatorCore } from './core.js';
import { isValidEmail } from './email-validation.js';
import { applyValues, contactJson, createContact, DEFAULT_PROPERTIES, emailKey, findContact } from './contact-records.js';
import { checkProperties, malformedReply, propertyProblemsBody, type ValueProblem } from './contact-values.js';
import { withContactsPortal } from './object-type.js';
import { hubspotError, isRecord, json, missingAttributesMessage, validationError, type HubSpotErrorBody, type Reply } from './replies.js';
import type { RequestContext } from './routing.js';
import type { PortalState } from './state.js';

// Contacts batch endpoints: batch upsert keyed by email with HubSpot's all-or-nothing validation,
// and the batch read a client needs to check results.

export const MAX_BATCH_INPUTS = 100;

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

export const batchUpsertContacts = withContactsPortal((ctx, portal) => {
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

export const batchReadContacts = withContactsPortal((ctx, portal) => {
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
