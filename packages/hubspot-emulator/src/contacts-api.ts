import { applyValues, archiveContact, contactJson, createContact, DEFAULT_PROPERTIES, emailKey, findContact } from './contact-records.js';
import { checkProperties, malformedReply, propertyProblemsBody } from './contact-values.js';
import { withContactsPortal } from './object-type.js';
import { hubspotError, isRecord, json, missingAttributesMessage, noContent, notFoundError, validationError, type Reply } from './replies.js';
import { listParam, type RequestContext } from './routing.js';

// Contacts: the single create/read/update/archive and list endpoints. Batch upsert and batch read
// are in contacts-batch.ts, search in contacts-search.ts.

// The package's public API (index.ts) exports the batch limit from this module.
export { MAX_BATCH_INPUTS } from './contacts-batch.js';

function requestedProperties(ctx: RequestContext): string[] {
  return listParam(ctx.url, 'properties') ?? DEFAULT_PROPERTIES;
}

export const createContactRoute = withContactsPortal((ctx, portal) => {
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

export const readContact = withContactsPortal((ctx, portal) => {
  const id = ctx.params.contactId ?? '';
  const contact = findContact(ctx.core, portal, id, ctx.url.searchParams.get('idProperty'));
  if (!contact) return notFound(ctx, id);
  return json(200, contactJson(ctx.core, portal, contact, requestedProperties(ctx)));
});

export const updateContact = withContactsPortal((ctx, portal) => {
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

export const archiveContactRoute = withContactsPortal((ctx, portal) => {
  const contact = findContact(ctx.core, portal, ctx.params.contactId ?? '', 'hs_object_id');
  if (contact) archiveContact(ctx.core, portal, contact);
  return noContent(); // HubSpot answers 204 for unknown ids too
});

export const listContacts = withContactsPortal((ctx, portal) => {
  const limit = Math.min(100, Math.max(1, Number(ctx.url.searchParams.get('limit') ?? 10) || 10));
  const after = Number(ctx.url.searchParams.get('after') ?? 0) || 0;
  const names = requestedProperties(ctx);
  const page = [...portal.contacts.values()].filter((contact) => !contact.archived && Number(contact.id) > after).slice(0, limit + 1);
  const results = page.slice(0, limit).map((contact) => contactJson(ctx.core, portal, contact, names));
  const last = page.length > limit ? page[limit - 1] : undefined;
  return json(200, last ? { results, paging: { next: { after: last.id, link: `?after=${last.id}` } } } : { results });
});
