import type { AppConfig, PortalConfig, RateLimitOptions } from './types.js';
import { DEFAULT_APP } from './defaults.js';

// The emulator's whole world. Everything is in memory and reachable from `emulator.state`, so tests
// can inspect exactly what a client did (and hosts can snapshot it).

export interface AppState {
  clientId: string;
  clientSecret: string;
  name: string;
  appId: number;
  redirectUris?: string[];
  scopes?: string[];
  optionalScopes?: string[];
}

export interface PropertyOption {
  label: string;
  value: string;
  displayOrder: number;
  hidden: boolean;
  description?: string;
}

export type PropertyType = 'bool' | 'date' | 'datetime' | 'enumeration' | 'number' | 'phone_number' | 'string';

export interface PropertyRecord {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  groupName: string;
  description: string;
  options: PropertyOption[];
  displayOrder: number;
  hasUniqueValue: boolean;
  hidden: boolean;
  formField: boolean;
  calculated: boolean;
  hubspotDefined: boolean;
  externalOptions: boolean;
  dataSensitivity: string;
  createdAt: number;
  updatedAt: number;
  archived: boolean;
  archivedAt?: number;
  createdUserId?: string;
  updatedUserId?: string;
  /** Clients may not write values (hs_object_id, createdate, …). */
  readOnlyValue: boolean;
  /** Clients may not change the definition (HubSpot-defined properties). */
  readOnlyDefinition: boolean;
  archivable: boolean;
  calculationFormula?: string;
  showCurrencySymbol?: boolean;
  numberDisplayHint?: string;
  textDisplayHint?: string;
  dateDisplayHint?: string;
  referencedObjectType?: string;
  currencyPropertyName?: string;
  /** Places (workflows, lists, forms) using it; > 0 blocks archiving through the API. */
  inUse: number;
}

export interface GroupRecord {
  name: string;
  label: string;
  displayOrder: number;
  archived: boolean;
  hubspotDefined: boolean;
}

export interface ContactRecord {
  id: string;
  /** Every stored value, including values of archived properties (a restore brings them back). */
  properties: Map<string, string>;
  createdAt: number;
  updatedAt: number;
  archived: boolean;
  archivedAt?: number;
}

export interface PortalState {
  hubId: number;
  domain: string;
  name: string;
  userEmail: string;
  userId: number;
  unavailableScopes: string[];
  rateLimit?: RateLimitOptions;
  groups: Map<string, GroupRecord>;
  properties: Map<string, PropertyRecord>;
  contacts: Map<string, ContactRecord>;
  /** email (as matched: lower-cased unless strict matching) → contact id, active contacts only. */
  emailIndex: Map<string, string>;
  nextContactId: number;
}

export interface InstallRecord {
  hubId: number;
  clientId: string;
  scopes: string[];
  installedAt: number;
}

export interface AuthCodeRecord {
  code: string;
  clientId: string;
  hubId: number;
  userId: number;
  redirectUri: string;
  scopes: string[];
  expiresAt: number;
  used: boolean;
  codeChallenge?: string;
  codeChallengeMethod?: string;
}

export interface RefreshTokenRecord {
  token: string;
  clientId: string;
  hubId: number;
  userId: number;
  scopes: string[];
  createdAt: number;
}

export interface AccessTokenRecord {
  token: string;
  clientId: string;
  hubId: number;
  userId: number;
  scopes: string[];
  issuedAt: number;
  expiresAt: number;
  /** Killed by an uninstall (expired tokens stay "expired", revoked ones become unknown). */
  revoked: boolean;
}

export interface EmulatorState {
  apps: Map<string, AppState>;
  portals: Map<number, PortalState>;
  /** key `${hubId}:${clientId}` */
  installs: Map<string, InstallRecord>;
  authCodes: Map<string, AuthCodeRecord>;
  refreshTokens: Map<string, RefreshTokenRecord>;
  accessTokens: Map<string, AccessTokenRecord>;
}

export const installKey = (hubId: number, clientId: string): string => `${hubId}:${clientId}`;

export function toAppState(config: AppConfig, index: number): AppState {
  const app: AppState = {
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    name: config.name ?? (config.clientId === DEFAULT_APP.clientId ? DEFAULT_APP.name : config.clientId),
    appId: config.appId ?? DEFAULT_APP.appId + index,
  };
  if (config.redirectUris) app.redirectUris = [...config.redirectUris];
  if (config.scopes) app.scopes = [...config.scopes];
  if (config.optionalScopes) app.optionalScopes = [...config.optionalScopes];
  return app;
}

// HubSpot-defined contact properties get a fixed creation time so snapshots are reproducible.
const SEEDED_AT = Date.UTC(2019, 7, 6, 2, 41, 52);

interface SeedProperty {
  name: string;
  label: string;
  type: PropertyType;
  fieldType: string;
  readOnlyValue?: boolean;
  options?: Array<[value: string, label: string]>;
}

const SEEDED_PROPERTIES: SeedProperty[] = [
  { name: 'email', label: 'Email', type: 'string', fieldType: 'text' },
  { name: 'firstname', label: 'First Name', type: 'string', fieldType: 'text' },
  { name: 'lastname', label: 'Last Name', type: 'string', fieldType: 'text' },
  { name: 'phone', label: 'Phone Number', type: 'string', fieldType: 'phonenumber' },
  { name: 'company', label: 'Company Name', type: 'string', fieldType: 'text' },
  { name: 'jobtitle', label: 'Job Title', type: 'string', fieldType: 'text' },
  {
    name: 'lifecyclestage',
    label: 'Lifecycle Stage',
    type: 'enumeration',
    fieldType: 'radio',
    options: [
      ['subscriber', 'Subscriber'],
      ['lead', 'Lead'],
      ['marketingqualifiedlead', 'Marketing Qualified Lead'],
      ['salesqualifiedlead', 'Sales Qualified Lead'],
      ['opportunity', 'Opportunity'],
      ['customer', 'Customer'],
      ['evangelist', 'Evangelist'],
      ['other', 'Other'],
    ],
  },
  { name: 'createdate', label: 'Create Date', type: 'datetime', fieldType: 'date', readOnlyValue: true },
  { name: 'lastmodifieddate', label: 'Last Modified Date', type: 'datetime', fieldType: 'date', readOnlyValue: true },
  { name: 'hs_object_id', label: 'Record ID', type: 'number', fieldType: 'number', readOnlyValue: true },
  { name: 'hs_additional_emails', label: 'Additional email addresses', type: 'string', fieldType: 'textarea', readOnlyValue: true },
];

export const SEEDED_GROUP = 'contactinformation';

function seededProperty(seed: SeedProperty, index: number): PropertyRecord {
  return {
    name: seed.name,
    label: seed.label,
    type: seed.type,
    fieldType: seed.fieldType,
    groupName: SEEDED_GROUP,
    description: '',
    options: (seed.options ?? []).map(([value, label], displayOrder) => ({ label, value, displayOrder, hidden: false })),
    displayOrder: index,
    hasUniqueValue: false,
    hidden: false,
    formField: !seed.readOnlyValue,
    calculated: false,
    hubspotDefined: true,
    externalOptions: false,
    dataSensitivity: 'non_sensitive',
    createdAt: SEEDED_AT,
    updatedAt: SEEDED_AT,
    archived: false,
    readOnlyValue: seed.readOnlyValue ?? false,
    readOnlyDefinition: true,
    archivable: false,
    inUse: 0,
  };
}

export function createPortalState(config: PortalConfig): PortalState {
  const portal: PortalState = {
    hubId: config.hubId,
    domain: config.domain ?? `portal-${config.hubId}.hubspot.com`,
    name: config.name ?? `Portal ${config.hubId}`,
    userEmail: config.userEmail ?? `admin@portal-${config.hubId}.com`,
    userId: config.userId ?? 7000 + config.hubId,
    unavailableScopes: [...(config.unavailableScopes ?? [])],
    groups: new Map([[SEEDED_GROUP, { name: SEEDED_GROUP, label: 'Contact information', displayOrder: 0, archived: false, hubspotDefined: true }]]),
    properties: new Map(SEEDED_PROPERTIES.map((seed, index) => [seed.name, seededProperty(seed, index)])),
    contacts: new Map(),
    emailIndex: new Map(),
    nextContactId: 101,
  };
  if (config.rateLimit) portal.rateLimit = { ...config.rateLimit };
  return portal;
}
