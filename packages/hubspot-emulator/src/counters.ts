// Per-portal request accounting, so a benchmark or test can check a client's error ratio (HubSpot's
// marketplace rule: errors under 5 % of calls) and how often it hit the rate limit.

export interface CounterSet {
  requests: number;
  /** Responses >= 400 plus requests that got no response (timeouts, resets). */
  errors: number;
  /** 429 answers (rate limit or injected). */
  rateLimited: number;
  /** Requests an injected fault answered. */
  faults: number;
  /** HTTP status → count; `timeout` / `reset` for requests that got no response. */
  byStatus: Record<string, number>;
}

export interface PortalCounters extends CounterSet {
  hubId: number;
  errorRatio: number;
  contactsCreated: number;
  contactsUpdated: number;
  byRoute: Record<string, CounterSet>;
}

export interface CountersSnapshot {
  /** Every emulated API and OAuth request (not /_emulator), attributed or not. */
  totals: CounterSet & { errorRatio: number; byRoute: Record<string, CounterSet> };
  /** Requests made with a token of that portal (OAuth token calls carry no portal and only count in totals). */
  portals: Record<string, PortalCounters>;
}

export interface CountedRequest {
  hubId?: number;
  route: string;
  /** 0 when no response was sent. */
  status: number;
  outcome?: 'timeout' | 'reset';
  fault: boolean;
}

const emptySet = (): CounterSet => ({ requests: 0, errors: 0, rateLimited: 0, faults: 0, byStatus: {} });

function add(set: CounterSet, request: CountedRequest): void {
  set.requests += 1;
  if (request.status === 0 || request.status >= 400) set.errors += 1;
  if (request.status === 429) set.rateLimited += 1;
  if (request.fault) set.faults += 1;
  const key = request.outcome ?? String(request.status);
  set.byStatus[key] = (set.byStatus[key] ?? 0) + 1;
}

const ratio = (set: CounterSet): number => (set.requests === 0 ? 0 : set.errors / set.requests);

export class Counters {
  private totals = { ...emptySet(), byRoute: {} as Record<string, CounterSet> };
  private portals = new Map<number, Omit<PortalCounters, 'errorRatio'>>();

  record(request: CountedRequest): void {
    add(this.totals, request);
    add((this.totals.byRoute[request.route] ??= emptySet()), request);
    if (request.hubId === undefined) return;
    const portal = this.portal(request.hubId);
    add(portal, request);
    add((portal.byRoute[request.route] ??= emptySet()), request);
  }

  contactWrites(hubId: number, created: number, updated: number): void {
    const portal = this.portal(hubId);
    portal.contactsCreated += created;
    portal.contactsUpdated += updated;
  }

  snapshot(): CountersSnapshot {
    const portals: Record<string, PortalCounters> = {};
    for (const [hubId, portal] of this.portals) portals[String(hubId)] = structuredClone({ ...portal, errorRatio: ratio(portal) });
    return { totals: structuredClone({ ...this.totals, errorRatio: ratio(this.totals) }), portals };
  }

  reset(): void {
    this.totals = { ...emptySet(), byRoute: {} };
    this.portals.clear();
  }

  private portal(hubId: number): Omit<PortalCounters, 'errorRatio'> {
    let portal = this.portals.get(hubId);
    if (!portal) {
      portal = { hubId, ...emptySet(), contactsCreated: 0, contactsUpdated: 0, byRoute: {} };
      this.portals.set(hubId, portal);
    }
    return portal;
  }
}
