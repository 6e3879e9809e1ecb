import { handleAuthorizeGet, handleAuthorizePost } from './authorize.js';
import { archiveContactRoute, createContactRoute, listContacts, readContact, updateContact } from './contacts-api.js';
import { batchReadContacts, batchUpsertContacts } from './contacts-batch.js';
import { searchContacts } from './contacts-search.js';
import {
  handleAccessTokenInfo,
  handleExternalUninstall,
  handleIntrospect,
  handleRefreshTokenDelete,
  handleRefreshTokenInfo,
  handleRevoke,
  handleToken,
} from './oauth.js';
import {
  archivePropertyRoute,
  batchArchiveProperties,
  batchCreateProperties,
  batchReadProperties,
  createPropertyRoute,
  listProperties,
  readProperty,
  updateProperty,
} from './properties-api.js';
import { archiveGroup, createGroup, listGroups, readGroup, updateGroup } from './property-groups.js';
import type { RouteDef } from './routing.js';

// Every emulated HubSpot endpoint. Route names are what fault rules, counters and the request log use.

const SCHEMA_WRITE = ['crm.schemas.contacts.write'];
const SCHEMA_READ = ['crm.schemas.contacts.read', 'crm.objects.contacts.read', 'crm.objects.contacts.write'];
const OBJECT_WRITE = ['crm.objects.contacts.write'];
const OBJECT_READ = ['crm.objects.contacts.read', 'crm.objects.contacts.write'];

const PROPS = '^/crm/v3/properties/(?<objectType>[^/]+)';
const OBJECTS = '^/crm/v3/objects/(?<objectType>[^/]+)';
const re = (source: string): RegExp => new RegExp(`${source}/?$`);

export const API_ROUTES: RouteDef[] = [
  // OAuth (no bearer token, no rate limit)
  { method: 'GET', pattern: re('^/oauth/authorize'), name: 'oauth.authorize', kind: 'oauth', handler: handleAuthorizeGet },
  { method: 'POST', pattern: re('^/oauth/authorize'), name: 'oauth.authorize', kind: 'oauth', handler: handleAuthorizePost },
  { method: 'POST', pattern: re('^/oauth/(?:v1|v3|2026-03)/token'), name: 'oauth.token', kind: 'oauth', handler: handleToken },
  { method: 'POST', pattern: re('^/oauth/2026-03/token/introspect'), name: 'oauth.introspect', kind: 'oauth', handler: handleIntrospect },
  { method: 'POST', pattern: re('^/oauth/2026-03/token/revoke'), name: 'oauth.revoke', kind: 'oauth', handler: handleRevoke },
  { method: 'GET', pattern: re('^/oauth/v1/access-tokens/(?<token>[^/]+)'), name: 'oauth.accessTokenInfo', kind: 'oauth', handler: handleAccessTokenInfo },
  { method: 'GET', pattern: re('^/oauth/v1/refresh-tokens/(?<token>[^/]+)'), name: 'oauth.refreshTokenInfo', kind: 'oauth', handler: handleRefreshTokenInfo },
  { method: 'DELETE', pattern: re('^/oauth/v1/refresh-tokens/(?<token>[^/]+)'), name: 'oauth.refreshTokenDelete', kind: 'oauth', handler: handleRefreshTokenDelete },

  // The dated path is current; v3 is deprecated but still served. Both need the `oauth` scope (spec security blocks).
  { method: 'DELETE', pattern: re('^/appinstalls/2026-03/external-install'), name: 'appinstalls.uninstall', kind: 'api', scopes: ['oauth'], handler: handleExternalUninstall },
  { method: 'DELETE', pattern: re('^/appinstalls/v3/external-install'), name: 'appinstalls.uninstall', kind: 'api', scopes: ['oauth'], handler: handleExternalUninstall },

  // Property groups (before `/{name}` so "groups" is not read as a property name)
  { method: 'GET', pattern: re(`${PROPS}/groups`), name: 'groups.list', kind: 'api', scopes: SCHEMA_READ, handler: listGroups },
  { method: 'POST', pattern: re(`${PROPS}/groups`), name: 'groups.create', kind: 'api', scopes: SCHEMA_WRITE, json: true, handler: createGroup },
  { method: 'GET', pattern: re(`${PROPS}/groups/(?<groupName>[^/]+)`), name: 'groups.read', kind: 'api', scopes: SCHEMA_READ, handler: readGroup },
  { method: 'PATCH', pattern: re(`${PROPS}/groups/(?<groupName>[^/]+)`), name: 'groups.update', kind: 'api', scopes: SCHEMA_WRITE, json: true, handler: updateGroup },
  { method: 'DELETE', pattern: re(`${PROPS}/groups/(?<groupName>[^/]+)`), name: 'groups.archive', kind: 'api', scopes: SCHEMA_WRITE, handler: archiveGroup },

  // Properties
  { method: 'POST', pattern: re(`${PROPS}/batch/create`), name: 'properties.batchCreate', kind: 'api', scopes: SCHEMA_WRITE, json: true, handler: batchCreateProperties },
  { method: 'POST', pattern: re(`${PROPS}/batch/read`), name: 'properties.batchRead', kind: 'api', scopes: SCHEMA_READ, json: true, handler: batchReadProperties },
  { method: 'POST', pattern: re(`${PROPS}/batch/archive`), name: 'properties.batchArchive', kind: 'api', scopes: SCHEMA_WRITE, json: true, handler: batchArchiveProperties },
  { method: 'GET', pattern: re(PROPS), name: 'properties.list', kind: 'api', scopes: SCHEMA_READ, handler: listProperties },
  { method: 'POST', pattern: re(PROPS), name: 'properties.create', kind: 'api', scopes: SCHEMA_WRITE, json: true, handler: createPropertyRoute },
  { method: 'GET', pattern: re(`${PROPS}/(?<name>[^/]+)`), name: 'properties.read', kind: 'api', scopes: SCHEMA_READ, handler: readProperty },
  { method: 'PATCH', pattern: re(`${PROPS}/(?<name>[^/]+)`), name: 'properties.update', kind: 'api', scopes: SCHEMA_WRITE, json: true, handler: updateProperty },
  { method: 'DELETE', pattern: re(`${PROPS}/(?<name>[^/]+)`), name: 'properties.archive', kind: 'api', scopes: SCHEMA_WRITE, handler: archivePropertyRoute },

  // Contacts
  { method: 'POST', pattern: re(`${OBJECTS}/batch/upsert`), name: 'contacts.batchUpsert', kind: 'api', scopes: OBJECT_WRITE, json: true, handler: batchUpsertContacts },
  { method: 'POST', pattern: re(`${OBJECTS}/batch/read`), name: 'contacts.batchRead', kind: 'api', scopes: OBJECT_READ, json: true, handler: batchReadContacts },
  { method: 'POST', pattern: re(`${OBJECTS}/search`), name: 'contacts.search', kind: 'search', scopes: OBJECT_READ, json: true, handler: searchContacts },
  { method: 'GET', pattern: re(OBJECTS), name: 'contacts.list', kind: 'api', scopes: OBJECT_READ, handler: listContacts },
  { method: 'POST', pattern: re(OBJECTS), name: 'contacts.create', kind: 'api', scopes: OBJECT_WRITE, json: true, handler: createContactRoute },
  { method: 'GET', pattern: re(`${OBJECTS}/(?<contactId>[^/]+)`), name: 'contacts.read', kind: 'api', scopes: OBJECT_READ, handler: readContact },
  { method: 'PATCH', pattern: re(`${OBJECTS}/(?<contactId>[^/]+)`), name: 'contacts.update', kind: 'api', scopes: OBJECT_WRITE, json: true, handler: updateContact },
  { method: 'DELETE', pattern: re(`${OBJECTS}/(?<contactId>[^/]+)`), name: 'contacts.archive', kind: 'api', scopes: OBJECT_WRITE, handler: archiveContactRoute },
];

/** All route names, for documentation and validation of fault rules. */
export const ROUTE_NAMES: readonly string[] = [...new Set(API_ROUTES.map((route) => route.name))];
