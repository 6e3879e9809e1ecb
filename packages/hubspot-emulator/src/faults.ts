import type { Random } from './random.js';
import type { FaultKind, FaultRule } from './types.js';

// Fault rules are checked in order for every emulated API request (never for /_emulator). Pure
// latency rules add up; the first rule with a kind that fires decides the failure.

const KINDS: ReadonlySet<FaultKind> = new Set<FaultKind>([500, 502, 503, 504, 423, 477, 429, 'timeout', 'reset']);

export interface FaultDecision {
  latencyMs: number;
  kind?: FaultKind;
  rule?: FaultRule;
}

export class FaultRuleError extends Error {}

export function validateFaultRule(rule: unknown): FaultRule {
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) throw new FaultRuleError('a fault rule must be an object');
  const r = rule as FaultRule;
  const kinds = [...(r.kind !== undefined ? [r.kind] : []), ...(r.kinds ?? [])];
  for (const kind of kinds) {
    if (!KINDS.has(kind)) throw new FaultRuleError(`unknown fault kind ${JSON.stringify(kind)}; use one of ${[...KINDS].join(', ')}`);
  }
  if (kinds.length === 0 && !(typeof r.latencyMs === 'number' && r.latencyMs > 0)) {
    throw new FaultRuleError('a fault rule needs a kind, kinds or latencyMs');
  }
  if (r.rate !== undefined && !(typeof r.rate === 'number' && r.rate >= 0 && r.rate <= 1)) throw new FaultRuleError('rate must be between 0 and 1');
  if (r.times !== undefined && !(Number.isInteger(r.times) && r.times > 0)) throw new FaultRuleError('times must be a positive integer');
  if (r.hubId !== undefined && !Number.isInteger(r.hubId)) throw new FaultRuleError('hubId must be an integer');
  if (r.route !== undefined && typeof r.route !== 'string') throw new FaultRuleError('route must be a string');
  return { ...r };
}

function routeMatches(pattern: string | undefined, route: string): boolean {
  if (pattern === undefined || pattern === '*') return true;
  if (pattern.endsWith('.*')) return route.startsWith(pattern.slice(0, -1));
  return pattern === route;
}

export class FaultInjector {
  private rules: FaultRule[] = [];
  private nextId = 1;

  constructor(private readonly random: Random) {}

  set(rules: unknown[]): FaultRule[] {
    const validated = rules.map(validateFaultRule);
    this.rules = [];
    return validated.map((rule) => this.store(rule));
  }

  add(rule: unknown): FaultRule {
    return this.store(validateFaultRule(rule));
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((rule) => rule.id !== id);
    return this.rules.length !== before;
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map((rule) => ({ ...rule }));
  }

  /** `hubId` is undefined for OAuth routes: only portal-less rules apply there. */
  pick(route: string, hubId: number | undefined): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0 };
    for (const rule of [...this.rules]) {
      if (rule.hubId !== undefined && rule.hubId !== hubId) continue;
      if (!routeMatches(rule.route, route)) continue;
      if (rule.rate !== undefined && rule.rate < 1 && this.random.next() >= rule.rate) continue;
      const kinds = [...(rule.kind !== undefined ? [rule.kind] : []), ...(rule.kinds ?? [])];
      this.consume(rule);
      decision.latencyMs += rule.latencyMs ?? 0;
      if (kinds.length === 0) continue;
      decision.kind = kinds.length === 1 ? kinds[0] : kinds[this.random.int(kinds.length)];
      decision.rule = rule;
      return decision;
    }
    return decision;
  }

  private store(rule: FaultRule): FaultRule {
    const stored = { ...rule, id: rule.id ?? `fault-${this.nextId++}` };
    this.rules.push(stored);
    return { ...stored };
  }

  private consume(rule: FaultRule): void {
    if (rule.times === undefined) return;
    rule.times -= 1;
    if (rule.times <= 0) this.rules = this.rules.filter((r) => r !== rule);
  }
}
