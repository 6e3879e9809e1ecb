import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { authorize as runAuthorize, type AuthorizeRequest, type AuthorizeResult } from './authorize.js';
import { archiveContact, contactJson, emailKey, findContact } from './contact-records.js';
import { appPageReply } from './contacts-page.js';
import { EmulatorCore } from './core.js';
import type { CountersSnapshot } from './counters.js';
import { DEFAULT_TOKEN_SCOPES } from './defaults.js';
import { handleControlRequest, refuseCrossSiteControlRequest } from './control-api.js';
import { expireAccessTokens, installAndIssue, uninstall as runUninstall, type IssuedTokens } from './oauth.js';
import { processApiRequest, sendReply } from './pipeline.js';
import { archiveProperty, propertyJson } from './properties-api.js';
import { deleteGroupAsCustomer, groupJson } from './property-groups.js';
import { hubspotError } from './replies.js';
import { persistState, type StatePersistence } from './state-file.js';
import type { RequestLogEntry } from './request-log.js';
import type { ContactRecord, EmulatorState, PortalState } from './state.js';
import type { Clock, EmulatorOptions, FaultRule, RateLimitOptions } from './types.js';
import {
  buildContactDeletionEvent,
  buildContactPrivacyDeletionEvent,
  deliverWebhooks,
  isGenericObjectEvent,
  type WebhookEvent,
  type WebhookSendResult,
} from './webhooks.js';

/** Thrown by control functions for unknown portals, properties, …; `status` is what the HTTP control API answers. */
export class EmulatorControlError extends Error {
  constructor(
    message: string,
    readonly status: number = 400,
  ) {
    super(message);
    this.name = 'EmulatorControlError';
  }
}

/** A contact as `emulator.contacts()` dumps it: active properties only, plus the system ones. */
export interface ContactSnapshot {
  id: string;
  email?: string;
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

export interface IssueTokensOptions {
  /** Default: the first portal. */
  hubId?: number;
  /** Default: the first app. */
  clientId?: string;
  /** Default: DEFAULT_TOKEN_SCOPES (contacts read/write + schemas read/write + oauth). */
  scopes?: string[];
}

export type PartialWebhookEvent = Partial<WebhookEvent> & { subscriptionType: string; objectId: number | string };

export interface SendWebhookOptions {
  url: string;
  /** Whose secret signs the request and whose appId the events carry. Default: the first app. */
  clientId?: string;
  /** portalId for events that do not say. Default: the first portal. */
  hubId?: number;
  events: PartialWebhookEvent[];
  /** The `X-HubSpot-Signature` version sent next to the v3 headers. Default v1. */
  signatureVersion?: 'v1' | 'v2' | 'v3';
  retryDelaysMs?: number[];
  timeoutMs?: number;
  /**
   * HubSpot fires a `contact.deletion` next to every `contact.privacyDeletion`; the sender adds it
   * (same objectId, right after it, own eventId) unless the list already has one. Default true.
   */
  companionDeletion?: boolean;
}

export interface EmulatorSnapshot {
  url: string;
  apps: Array<{ clientId: string; name: string; appId: number }>;
  installs: Array<{ hubId: number; clientId: string; scopes: string[]; installedAt: string }>;
  portals: Array<{ hubId: number; domain: string; name: string; contacts: number; customProperties: string[]; groups: string[] }>;
  counters: CountersSnapshot;
  faults: FaultRule[];
}

export interface Emulator {
  /** e.g. `http://127.0.0.1:41234`; pass it as the official client's `basePath`. */
  readonly url: string;
  readonly port: number;
  /** Live in-memory state (maps of portals, apps, installs, tokens, contacts, properties). */
  readonly state: EmulatorState;
  readonly clock: Clock;
  close(): Promise<void>;
  /** Back to the start: contacts, properties, counters, log and faults cleared; tokens too unless keepInstalls. */
  reset(options?: { keepInstalls?: boolean }): void;
  /** `${url}/oauth/authorize?client_id=…` for a browser. */
  authorizeUrl(request: Omit<AuthorizeRequest, 'decision' | 'hubId'>): string;
  /** The consent step without a browser; throws AuthorizeError where HubSpot shows an error page. */
  authorize(request: AuthorizeRequest): AuthorizeResult;
  /** Installs the app and returns a token pair, skipping the browser and the code exchange. */
  issueTokens(options?: IssueTokensOptions): IssuedTokens;
  /** The customer uninstalls the app (all apps when no clientId): refresh and access tokens die. */
  uninstall(hubId: number, clientId?: string): number;
  /** Makes live access tokens expire now (next API call → 401 EXPIRED_AUTHENTICATION). */
  expireAccessTokens(hubId?: number, clientId?: string): number;
  /** The customer deletes a property in HubSpot's UI: archived even when in use. */
  deleteProperty(hubId: number, name: string): void;
  /** The customer deletes a group: its properties are archived, then the group. */
  deleteGroup(hubId: number, name: string): void;
  /** Marks a property as used in N places (workflows, lists…): API archive then answers 400 CANNOT_DELETE_PROPERTY_IN_USE. */
  setPropertyInUse(hubId: number, name: string, places: number): void;
  /** The customer deletes a contact (email lookups are case-insensitive unless strict matching). */
  deleteContact(hubId: number, idOrEmail: string): boolean;
  contacts(hubId: number): ContactSnapshot[];
  contact(hubId: number, idOrEmail: string): ContactSnapshot | undefined;
  /** Property definitions as the API returns them; archived ones too with includeArchived. */
  properties(hubId: number, options?: { includeArchived?: boolean }): Array<Record<string, unknown>>;
  groups(hubId: number): Array<Record<string, unknown>>;
  /** Replaces all fault rules; returns them with ids. */
  setFaults(rules: FaultRule[]): FaultRule[];
  addFault(rule: FaultRule): FaultRule;
  removeFault(id: string): boolean;
  clearFaults(): void;
  faults(): FaultRule[];
  /** Changes the rate limit live (one portal, or the default for all). */
  setRateLimit(options: RateLimitOptions, hubId?: number): void;
  counters(): CountersSnapshot;
  resetCounters(): void;
  requests(filter?: { hubId?: number; route?: string; limit?: number }): RequestLogEntry[];
  clearRequests(): void;
  /** Builds a contact.deletion / contact.privacyDeletion event for a stored contact. */
  contactEvent(hubId: number, idOrEmail: string, type?: 'contact.deletion' | 'contact.privacyDeletion', clientId?: string): WebhookEvent;
  /** Delivers events to `url` signed with the app's secret (≤100 per POST, retries on non-2xx). */
  sendWebhook(options: SendWebhookOptions): Promise<WebhookSendResult>;
  snapshot(): EmulatorSnapshot;
}

const BODY_LIMIT = 16 * 1024 * 1024;

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) {
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const core = new EmulatorCore(options);
  const persistence: StatePersistence | null = options.stateFile ? persistState(core, options.stateFile) : null;
  const host = options.host ?? '127.0.0.1';
  // Requests can arrive between listen() and the object below being built; they wait for nothing, they just see no control API yet.
  const ready: { emulator?: Emulator; ownOrigins: ReadonlySet<string> } = { ownOrigins: new Set() };

  const dispatch = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    let rawBody: string;
    try {
      rawBody = await readBody(req);
    } catch (error) {
      if (error instanceof BodyTooLarge) sendReply(res, hubspotError(413, core.correlationId(), 'VALIDATION_ERROR', 'Request entity too large'), { Connection: 'close' });
      else res.destroy();
      return;
    }
    if (url.pathname === '/_emulator' || url.pathname.startsWith('/_emulator/')) {
      if (!ready.emulator) return;
      const method = req.method ?? 'GET';
      const refused = refuseCrossSiteControlRequest(method, req.headers, ready.ownOrigins, rawBody);
      sendReply(res, refused ?? (await handleControlRequest(ready.emulator, core, method, url, rawBody)));
      return;
    }
    // HubSpot's own app pages the kit links to (a contact record, the property settings): HTML for
    // a person, outside the API pipeline (no token, never rate limited, faulted, counted or logged).
    const appPage = appPageReply(core, req.method ?? 'GET', url);
    if (appPage) {
      sendReply(res, appPage);
      return;
    }
    await processApiRequest(core, req, res, url, rawBody);
  };

  const server = createServer((req, res) => {
    dispatch(req, res)
      .catch((error: unknown) => {
        process.stderr.write(`hubspot-emulator: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        if (!res.headersSent) sendReply(res, hubspotError(500, core.correlationId(), 'INTERNAL_ERROR', 'internal error'));
      })
      // Every write goes through a non-GET request, or OAuth (`?_emulator_auto=approve` is a GET).
      .finally(() => {
        if ((req.method !== 'GET' && req.method !== 'HEAD') || (req.url ?? '').startsWith('/oauth/')) persistence?.changed();
      });
  });
  await listen(server, options.port ?? 0, host);
  const port = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;
  // The origins a page served by the emulator itself has (its loopback names and the host it listens on).
  const loopback = host === '0.0.0.0' || host === '::' || host === '127.0.0.1' || host === 'localhost' || host === '::1';
  const originHosts = loopback ? ['127.0.0.1', 'localhost', '[::1]', urlHost] : [urlHost];
  ready.ownOrigins = new Set(originHosts.map((name) => `http://${name}:${port}`.toLowerCase()));

  const portalOf = (hubId: number): PortalState => {
    const portal = core.state.portals.get(Number(hubId));
    if (!portal) throw new EmulatorControlError(`no portal with hubId ${hubId}`, 404);
    return portal;
  };
  const appOf = (clientId: string | undefined) => {
    const id = clientId ?? core.appConfigs[0]?.clientId ?? '';
    const app = core.state.apps.get(id);
    if (!app) throw new EmulatorControlError(`no app with clientId ${id}`, 404);
    return app;
  };
  const firstHubId = (): number => core.portalConfigs[0]?.hubId ?? 0;
  const lookup = (portal: PortalState, idOrEmail: string): ContactRecord | undefined =>
    findContact(core, portal, idOrEmail, idOrEmail.includes('@') ? 'email' : 'hs_object_id');
  const snapshotContact = (portal: PortalState, contact: ContactRecord): ContactSnapshot => {
    const active = [...contact.properties.keys()].filter((name) => portal.properties.get(name)?.archived === false);
    const json = contactJson(core, portal, contact, active) as { properties: Record<string, string> };
    const snap: ContactSnapshot = { id: contact.id, properties: json.properties, createdAt: core.iso(contact.createdAt), updatedAt: core.iso(contact.updatedAt), archived: contact.archived };
    const email = contact.properties.get('email');
    if (email !== undefined) snap.email = email;
    return snap;
  };
  const problemToError = (problem: { status: number; message: string } | undefined): void => {
    if (problem) throw new EmulatorControlError(problem.message, problem.status);
  };

  const emulator: Emulator = {
    url,
    port,
    state: core.state,
    clock: core.clock,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          persistence?.close();
          resolve();
        });
        server.closeAllConnections();
      }),
    reset: (resetOptions = {}) => core.reset(resetOptions.keepInstalls ?? false),
    authorizeUrl(request) {
      const params = new URLSearchParams({ client_id: request.clientId ?? appOf(undefined).clientId, redirect_uri: request.redirectUri });
      const join = (value: string | string[] | undefined): string => (Array.isArray(value) ? value.join(' ') : (value ?? ''));
      if (request.scope !== undefined) params.set('scope', join(request.scope));
      if (request.optionalScope !== undefined) params.set('optional_scope', join(request.optionalScope));
      if (request.state !== undefined) params.set('state', request.state);
      if (request.codeChallenge) {
        params.set('code_challenge', request.codeChallenge);
        params.set('code_challenge_method', request.codeChallengeMethod ?? 'plain');
      }
      return `${url}/oauth/authorize?${params.toString()}`;
    },
    authorize: (request) => runAuthorize(core, request),
    issueTokens(issue = {}) {
      const portal = portalOf(issue.hubId ?? firstHubId());
      const app = appOf(issue.clientId);
      return installAndIssue(core, { clientId: app.clientId, hubId: portal.hubId, userId: portal.userId, scopes: [...(issue.scopes ?? DEFAULT_TOKEN_SCOPES)] });
    },
    uninstall: (hubId, clientId) => runUninstall(core, portalOf(hubId).hubId, clientId),
    expireAccessTokens: (hubId, clientId) => expireAccessTokens(core, { ...(hubId !== undefined ? { hubId } : {}), ...(clientId !== undefined ? { clientId } : {}) }),
    deleteProperty: (hubId, name) => problemToError(archiveProperty(core, portalOf(hubId), name, true)),
    deleteGroup: (hubId, name) => problemToError(deleteGroupAsCustomer(core, portalOf(hubId), name)),
    setPropertyInUse(hubId, name, places) {
      const property = portalOf(hubId).properties.get(name);
      if (!property) throw new EmulatorControlError(`no property ${name} in portal ${hubId}`, 404);
      if (!Number.isInteger(places) || places < 0) throw new EmulatorControlError('places must be a non-negative integer');
      property.inUse = places;
    },
    deleteContact(hubId, idOrEmail) {
      const portal = portalOf(hubId);
      const contact = lookup(portal, idOrEmail);
      if (!contact) return false;
      archiveContact(core, portal, contact);
      return true;
    },
    contacts(hubId) {
      const portal = portalOf(hubId);
      return [...portal.contacts.values()].filter((contact) => !contact.archived).map((contact) => snapshotContact(portal, contact));
    },
    contact(hubId, idOrEmail) {
      const portal = portalOf(hubId);
      const contact = lookup(portal, idOrEmail);
      return contact ? snapshotContact(portal, contact) : undefined;
    },
    properties(hubId, propertyOptions = {}) {
      return [...portalOf(hubId).properties.values()].filter((property) => propertyOptions.includeArchived || !property.archived).map((property) => propertyJson(core, property));
    },
    groups: (hubId) => [...portalOf(hubId).groups.values()].filter((group) => !group.archived).map(groupJson),
    setFaults: (rules) => core.faults.set(rules),
    addFault: (rule) => core.faults.add(rule),
    removeFault: (id) => core.faults.remove(id),
    clearFaults: () => core.faults.clear(),
    faults: () => core.faults.list(),
    setRateLimit(rateLimit, hubId) {
      if (hubId === undefined) core.options.rateLimit = { ...core.options.rateLimit, ...rateLimit };
      else {
        const portal = portalOf(hubId);
        portal.rateLimit = { ...portal.rateLimit, ...rateLimit };
      }
    },
    counters: () => core.counters.snapshot(),
    resetCounters: () => core.counters.reset(),
    requests: (filter) => core.log.list(filter),
    clearRequests: () => core.log.clear(),
    contactEvent(hubId, idOrEmail, type = 'contact.deletion', clientId) {
      const portal = portalOf(hubId);
      const contact = lookup(portal, idOrEmail) ?? [...portal.contacts.values()].find((c) => c.id === idOrEmail || c.properties.get('email') === emailKey(core, idOrEmail));
      if (!contact) throw new EmulatorControlError(`no contact ${idOrEmail} in portal ${hubId}`, 404);
      const input = { portalId: portal.hubId, appId: appOf(clientId).appId, objectId: contact.id, eventId: core.webhookEventSeq++, occurredAt: core.now() };
      return type === 'contact.privacyDeletion' ? buildContactPrivacyDeletionEvent(input) : buildContactDeletionEvent(input);
    },
    async sendWebhook(send) {
      const app = appOf(send.clientId);
      const portalId = send.hubId ?? firstHubId();
      const complete = (event: PartialWebhookEvent): WebhookEvent => {
        const base: WebhookEvent = {
          eventId: core.webhookEventSeq++,
          subscriptionId: 1,
          portalId,
          appId: app.appId,
          occurredAt: core.now(),
          subscriptionType: event.subscriptionType,
          attemptNumber: 0,
          objectId: Number(event.objectId),
        };
        // A privacy deletion is a hub event without changeSource; CRM object events carry one, and the
        // generic object.* format names the object type (the emulator's objects are contacts, 0-1).
        if (event.subscriptionType !== 'contact.privacyDeletion') base.changeSource = 'CRM';
        if (isGenericObjectEvent(event.subscriptionType)) base.objectTypeId = '0-1';
        return { ...base, ...event, objectId: Number(event.objectId) };
      };
      const events: WebhookEvent[] = [];
      const hasDeletion = (objectId: number, portal: number): boolean =>
        send.events.some((event) => event.subscriptionType === 'contact.deletion' && Number(event.objectId) === objectId && (event.portalId ?? portalId) === portal);
      for (const partial of send.events) {
        const event = complete(partial);
        events.push(event);
        if (event.subscriptionType === 'contact.privacyDeletion' && send.companionDeletion !== false && !hasDeletion(event.objectId, event.portalId)) {
          events.push(
            buildContactDeletionEvent({ portalId: event.portalId, appId: event.appId, objectId: event.objectId, eventId: core.webhookEventSeq++, subscriptionId: event.subscriptionId, occurredAt: event.occurredAt }),
          );
        }
      }
      return deliverWebhooks({
        url: send.url,
        clientSecret: app.clientSecret,
        events,
        signatureVersion: send.signatureVersion ?? 'v1',
        clock: core.clock,
        retryDelaysMs: send.retryDelaysMs ?? core.options.webhooks.retryDelaysMs,
        timeoutMs: send.timeoutMs ?? core.options.webhooks.timeoutMs,
      });
    },
    snapshot() {
      return {
        url,
        apps: [...core.state.apps.values()].map((app) => ({ clientId: app.clientId, name: app.name, appId: app.appId })),
        installs: [...core.state.installs.values()].map((install) => ({ ...install, installedAt: core.iso(install.installedAt) })),
        portals: [...core.state.portals.values()].map((portal) => ({
          hubId: portal.hubId,
          domain: portal.domain,
          name: portal.name,
          contacts: [...portal.contacts.values()].filter((contact) => !contact.archived).length,
          customProperties: [...portal.properties.values()].filter((p) => !p.hubspotDefined && !p.archived).map((p) => p.name),
          groups: [...portal.groups.values()].filter((g) => !g.archived).map((g) => g.name),
        })),
        counters: core.counters.snapshot(),
        faults: core.faults.list(),
      };
    },
  };
  if (persistence) {
    // Control functions called in-process change the world without a request.
    const mutating = ['reset', 'authorize', 'issueTokens', 'uninstall', 'expireAccessTokens', 'deleteProperty', 'deleteGroup', 'setPropertyInUse', 'deleteContact'] as const;
    const methods = emulator as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const name of mutating) {
      const method = methods[name]!;
      methods[name] = (...args: unknown[]) => {
        try {
          return method(...args);
        } finally {
          persistence.changed();
        }
      };
    }
  }
  ready.emulator = emulator;
  return emulator;
}
