import http from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import { Client } from '@hubspot/api-client';
import type { HubSpotCallTelemetry, HubSpotOperation } from '../metrics/kit-metrics.js';
import { HubSpotCallError, toHubSpotCallError } from './hubspot-call-error.js';

const OBJECT_TYPE = 'contacts';

export interface HubSpotResponse<T> {
  data: T;
  status: number;
  headers: Record<string, string>;
}

export interface HubSpotPropertyGroup {
  name: string;
  label: string;
  displayOrder?: number;
  archived?: boolean;
}

export interface HubSpotProperty {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  groupName: string;
  description?: string;
  options?: Array<{ label: string; value: string; displayOrder?: number; hidden?: boolean }>;
  hubspotDefined?: boolean;
  archived?: boolean;
}

export interface UpsertInput {
  id: string;
  idProperty: 'email';
  objectWriteTraceId?: string;
  properties: Record<string, string>;
}

export interface UpsertResult {
  id: string;
  properties: Record<string, string | null>;
  /** HubSpot's `new` flag as the official client deserialises it (`new` is reserved in its models). */
  _new?: boolean;
  new?: boolean;
  objectWriteTraceId?: string;
}

export interface UpsertResponse {
  status: string;
  results: UpsertResult[];
  numErrors?: number;
  errors?: Array<{ status?: string; category?: string; message?: string; context?: Record<string, string[]>; subCategory?: string }>;
}

export interface ReadContactsResponse {
  status: string;
  results: Array<{ id: string; properties: Record<string, string | null> }>;
}

export interface CallOptions {
  signal?: AbortSignal;
}

/** The CRM calls the kit makes, each through the official client with our transport. */
export interface CrmApi {
  listPropertyGroups(accessToken: string, options?: CallOptions): Promise<HubSpotResponse<HubSpotPropertyGroup[]>>;
  createPropertyGroup(accessToken: string, group: { name: string; label: string; displayOrder?: number }, options?: CallOptions): Promise<HubSpotResponse<HubSpotPropertyGroup>>;
  listProperties(accessToken: string, options?: CallOptions): Promise<HubSpotResponse<HubSpotProperty[]>>;
  createProperty(accessToken: string, property: object, options?: CallOptions): Promise<HubSpotResponse<HubSpotProperty>>;
  batchUpsertContacts(accessToken: string, inputs: UpsertInput[], options?: CallOptions): Promise<HubSpotResponse<UpsertResponse>>;
  /** Reads contacts by email (at most 100): what HubSpot holds now, for the read-back after a timeout. */
  batchReadContactsByEmail(accessToken: string, emails: string[], properties: string[], options?: CallOptions): Promise<HubSpotResponse<ReadContactsResponse>>;
  /** Closes pooled sockets. */
  close(): void;
}

export type ResponseObserver = (status: number, headers: Record<string, string>) => void;

export interface CrmApiOptions {
  /** e.g. https://api.hubapi.com or the emulator's URL. */
  apiBase: string;
  /** A socket that sees no traffic for this long is destroyed and the call fails as a timeout. */
  timeoutMs: number;
  /** Sees the status and headers of every response, errors included (the rate limiter listens here). */
  observe?: ResponseObserver;
  /** One span and the response figures per call (see metrics/kit-metrics.ts). */
  telemetry?: HubSpotCallTelemetry;
  /** The portal an access token belongs to, for the span (the token itself is never recorded). */
  portalOf?: (accessToken: string) => number | null;
}

/** The operations the figures and spans are labelled with: route templates, never URLs with ids. */
const OPERATIONS = {
  listPropertyGroups: { name: 'properties.groups.list', method: 'GET', route: '/crm/v3/properties/contacts/groups' },
  createPropertyGroup: { name: 'properties.groups.create', method: 'POST', route: '/crm/v3/properties/contacts/groups' },
  listProperties: { name: 'properties.list', method: 'GET', route: '/crm/v3/properties/contacts' },
  createProperty: { name: 'properties.create', method: 'POST', route: '/crm/v3/properties/contacts' },
  batchReadContacts: { name: 'contacts.batch.read', method: 'POST', route: '/crm/v3/objects/contacts/batch/read' },
  batchUpsertContacts: { name: 'contacts.batch.upsert', method: 'POST', route: '/crm/v3/objects/contacts/batch/upsert' },
} as const satisfies Record<string, HubSpotOperation>;

interface HttpInfo<T> {
  httpStatusCode: number;
  headers: Record<string, string>;
  data: T;
}

/**
 * The official client's node-fetch transport has no timeout. Its public `httpAgent` option is the one
 * way in, so the agent itself enforces one: a socket idle for `timeoutMs` is destroyed, which fails
 * the request as a timeout instead of hanging a worker.
 */
function createTimeoutAgent(apiBase: string, timeoutMs: number): http.Agent {
  const AgentClass = apiBase.startsWith('https:') ? https.Agent : http.Agent;
  const agent = new AgentClass({ keepAlive: true, maxSockets: 32, timeout: timeoutMs });
  const createConnection = agent.createConnection.bind(agent) as (...args: unknown[]) => Duplex;
  (agent as unknown as { createConnection: (...args: unknown[]) => Duplex }).createConnection = (...args: unknown[]) => {
    const socket = createConnection(...args) as Duplex & { setTimeout(ms: number): void };
    // Persistent listener: the agent re-arms the socket timeout each time a pooled socket is reused.
    socket.on('timeout', () => socket.destroy(Object.assign(new Error('HubSpot did not answer in time'), { code: 'ETIMEDOUT' })));
    socket.setTimeout(timeoutMs);
    return socket;
  };
  return agent;
}

/** The part of the official client's process-wide ApiDecoratorService the kit touches. */
interface DecoratorRegistry {
  decorators: unknown[];
  setDecorators(decorators: unknown[]): void;
}

let registry: DecoratorRegistry | null = null;

/**
 * The official client's ApiDecoratorService: one object per process (per copy of the package),
 * whose decorators `new Client()` replaces and every API object built later takes. Not exported
 * by the package: reached by its file, from this package's own copy (the one `Client` uses).
 */
function decoratorRegistry(): DecoratorRegistry {
  if (registry === null) {
    const require = createRequire(import.meta.url);
    const service = require('@hubspot/api-client/lib/src/services/ApiDecoratorService.js') as { default: { getInstance(): DecoratorRegistry } };
    registry = service.default.getInstance();
  }
  return registry;
}

/** The generated APIs the kit calls, built once per access token. */
interface KitApis {
  groupsApi: Client['crm']['properties']['groupsApi'];
  coreApi: Client['crm']['properties']['coreApi'];
  batchApi: Client['crm']['contacts']['batchApi'];
}

/**
 * Builds a client's APIs with no retry or limiter decorator, and leaves the process as it was.
 * `new Client(config)` writes its decorators into the process-wide registry, and each API object
 * (built lazily, on first access) is wrapped with whatever the registry holds at that moment.
 * So a host's `new Client({ numberOfApiCallRetries: 3 })` made the kit's calls retry inside the
 * client (three attempts per upsert, 10 s sleeps on 429), and the kit's own client stripped the
 * host's retries. Here the APIs are built eagerly, synchronously, right after the kit's client
 * set an empty list, and the host's decorators go back before anything else runs: each side's
 * APIs keep the decorators they were built with.
 */
function buildIsolatedApis(config: ConstructorParameters<typeof Client>[0]): KitApis {
  const decorators = decoratorRegistry();
  const saved = decorators.decorators;
  try {
    const client = new Client(config);
    const { properties, contacts } = client.crm;
    return { groupsApi: properties.groupsApi, coreApi: properties.coreApi, batchApi: contacts.batchApi };
  } finally {
    decorators.setDecorators(saved);
  }
}

/**
 * CRM access through `@hubspot/api-client` with its retry decorator and limiter off (retries 0, no
 * limiterOptions): its retry counts attempts, ignores Retry-After and is process-wide, so core owns
 * retry and rate limiting (and isolates its clients from the host's, see buildIsolatedApis).
 * APIs are cached per access token because `new Client()` rebuilds the discovery tree.
 */
export function createCrmApi(options: CrmApiOptions): CrmApi {
  const basePath = options.apiBase.replace(/\/+$/, '');
  const clients = new Map<string, KitApis>();
  const httpAgent = createTimeoutAgent(basePath, options.timeoutMs);

  const clientFor = (accessToken: string): KitApis => {
    let client = clients.get(accessToken);
    if (!client) {
      client = buildIsolatedApis({ accessToken, basePath, numberOfApiCallRetries: 0, httpAgent });
      if (clients.size >= 200) clients.delete(clients.keys().next().value as string);
      clients.set(accessToken, client);
    }
    return client;
  };

  // The generated APIs (13.x) only run the client's own middleware - User-Agent, default headers and
  // our `httpAgent` - when a call passes options with a merge strategy; without them it runs none.
  const withClientMiddleware = { middleware: [], middlewareMergeStrategy: 'append' } as const;

  interface CallFacts {
    accessToken: string;
    signal: AbortSignal | undefined;
    operation: HubSpotOperation;
    size?: number;
    keys?: readonly string[];
  }

  async function call<T>(facts: CallFacts, run: () => Promise<HttpInfo<T>>): Promise<HubSpotResponse<T>> {
    const { signal } = facts;
    if (signal?.aborted) throw new HubSpotCallError('aborted', null, 'The request was cancelled (shutting down)', null, {});
    const recorder = options.telemetry?.startCall({ operation: facts.operation, portalId: options.portalOf?.(facts.accessToken) ?? null, size: facts.size, keys: facts.keys });
    try {
      // node-fetch cannot be cancelled here; on abort we stop waiting and let the socket finish.
      const info = await (signal ? raceAbort(run(), signal) : run());
      const headers = lowerCaseKeys(info.headers);
      recorder?.end({ status: info.httpStatusCode, errorKind: null, correlationId: headers['x-hubspot-correlation-id'] ?? null });
      options.observe?.(info.httpStatusCode, headers);
      return { data: info.data, status: info.httpStatusCode, headers };
    } catch (error) {
      const callError = toHubSpotCallError(error, signal);
      recorder?.end({ status: callError.status, errorKind: callError.status === null ? callError.kind : null, correlationId: callError.correlationId ?? callError.headers['x-hubspot-correlation-id'] ?? null });
      if (callError.status !== null) options.observe?.(callError.status, callError.headers);
      throw callError;
    }
  }

  return {
    close() {
      httpAgent.destroy();
      clients.clear();
    },
    async listPropertyGroups(accessToken, { signal } = {}) {
      const response = await call({ accessToken, signal, operation: OPERATIONS.listPropertyGroups }, () => clientFor(accessToken).groupsApi.getAllWithHttpInfo(OBJECT_TYPE, withClientMiddleware as never));
      return { ...response, data: response.data.results as HubSpotPropertyGroup[] };
    },
    async createPropertyGroup(accessToken, group, { signal } = {}) {
      return call({ accessToken, signal, operation: OPERATIONS.createPropertyGroup }, () => clientFor(accessToken).groupsApi.createWithHttpInfo(OBJECT_TYPE, group as never, withClientMiddleware as never)) as Promise<
        HubSpotResponse<HubSpotPropertyGroup>
      >;
    },
    async listProperties(accessToken, { signal } = {}) {
      const response = await call({ accessToken, signal, operation: OPERATIONS.listProperties }, () => clientFor(accessToken).coreApi.getAllWithHttpInfo(OBJECT_TYPE, false, undefined, withClientMiddleware as never));
      return { ...response, data: response.data.results as unknown as HubSpotProperty[] };
    },
    async createProperty(accessToken, property, { signal } = {}) {
      return call({ accessToken, signal, operation: OPERATIONS.createProperty }, () => clientFor(accessToken).coreApi.createWithHttpInfo(OBJECT_TYPE, property as never, withClientMiddleware as never)) as Promise<
        HubSpotResponse<HubSpotProperty>
      >;
    },
    async batchReadContactsByEmail(accessToken, emails, properties, { signal } = {}) {
      const body = { inputs: emails.map((id) => ({ id })), idProperty: 'email', properties, propertiesWithHistory: [] };
      return call({ accessToken, signal, operation: OPERATIONS.batchReadContacts, size: emails.length }, () => clientFor(accessToken).batchApi.readWithHttpInfo(body as never, false, withClientMiddleware as never)) as Promise<HubSpotResponse<ReadContactsResponse>>;
    },
    async batchUpsertContacts(accessToken, inputs, { signal } = {}) {
      const keys = inputs.map((input) => input.objectWriteTraceId).filter((key): key is string => key !== undefined);
      return call({ accessToken, signal, operation: OPERATIONS.batchUpsertContacts, size: inputs.length, keys }, () => clientFor(accessToken).batchApi.upsertWithHttpInfo({ inputs } as never, withClientMiddleware as never)) as Promise<
        HubSpotResponse<UpsertResponse>
      >;
    },
  };
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function lowerCaseKeys(headers: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([key, value]) => [key.toLowerCase(), String(value)]));
}
