import type { EmulatorCore } from './core.js';
import type { ContactRecord, PortalState } from './state.js';

// Contact records in a portal: lookup by id, email or another property, writes that keep the email
// index in step, archiving, and the JSON shape the API returns a record in.

export const DEFAULT_PROPERTIES = ['createdate', 'email', 'firstname', 'lastname', 'hs_object_id', 'lastmodifieddate'];
/** Always returned with a record, whatever was asked for. */
const SYSTEM_PROPERTIES = ['createdate', 'hs_object_id', 'lastmodifieddate'];

export function emailKey(core: EmulatorCore, email: string): string {
  return core.options.contacts.emailMatching === 'lowercase' ? email.toLowerCase() : email;
}

export function propertyValue(portal: PortalState, contact: ContactRecord, name: string, core: EmulatorCore): string | undefined {
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

export function createContact(core: EmulatorCore, portal: PortalState): ContactRecord {
  const now = core.now();
  const contact: ContactRecord = { id: String(portal.nextContactId++), properties: new Map(), createdAt: now, updatedAt: now, archived: false };
  portal.contacts.set(contact.id, contact);
  return contact;
}

export function applyValues(core: EmulatorCore, portal: PortalState, contact: ContactRecord, values: Map<string, string>): void {
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
