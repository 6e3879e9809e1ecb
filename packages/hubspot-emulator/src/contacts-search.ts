import type { EmulatorCore } from './core.js';
import { contactJson, DEFAULT_PROPERTIES, propertyValue } from './contact-records.js';
import { wireValue } from './contact-values.js';
import { withContactsPortal } from './object-type.js';
import { isRecord, json, validationError } from './replies.js';
import type { ContactRecord, PortalState } from './state.js';

// Contacts search: filter groups (OR of ANDs), one sort, offset paging.

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

export const searchContacts = withContactsPortal((ctx, portal) => {
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
