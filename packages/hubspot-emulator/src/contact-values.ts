import type { EmulatorCore } from './core.js';
import { isValidEmail } from './email-validation.js';
import { validationError, type HubSpotErrorBody, type Reply } from './replies.js';
import type { PortalState, PropertyRecord } from './state.js';

// Contact property values on write: wire coercion, per-type checks against the property definition,
// and the error bodies HubSpot answers invalid values with.

const DAY_MS = 86_400_000;

export interface ValueProblem {
  name: string;
  code: string;
  message: string;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseInstant(value: string): number | undefined {
  if (/^-?\d+$/.test(value)) return Number(value);
  if (!ISO_DATE.test(value)) return undefined;
  const ms = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
  return Number.isNaN(ms) ? undefined : ms;
}

function timeOfDay(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

/** Wire values are strings; the live API also takes JSON numbers/booleans (coerced). null clears like "". */
export function wireValue(raw: unknown): string | undefined {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
  if (typeof raw === 'boolean') return String(raw);
  if (raw === null) return '';
  return undefined;
}

function checkValue(core: EmulatorCore, property: PropertyRecord, value: string): ValueProblem | undefined {
  if (value === '') return undefined; // clears the value
  const { name } = property;
  if (name === 'email') {
    return isValidEmail(value, core.options.contacts.extraTlds) ? undefined : { name, code: 'INVALID_EMAIL', message: `Email address ${value} is invalid` };
  }
  switch (property.type) {
    case 'number':
      return NUMBER.test(value) ? undefined : { name, code: core.options.contacts.numberErrorCode, message: `${value} was not a valid number.` };
    case 'datetime':
      return parseInstant(value) === undefined ? { name, code: 'INVALID_LONG', message: `${value} was not a valid long.` } : undefined;
    case 'date': {
      const ms = parseInstant(value);
      if (ms === undefined) return { name, code: 'INVALID_LONG', message: `${value} was not a valid long.` };
      return ms % DAY_MS === 0 ? undefined : { name, code: 'INVALID_DATE', message: `${value} is at ${timeOfDay(ms)} UTC, not midnight!` };
    }
    case 'bool':
    case 'enumeration': {
      const allowed = property.type === 'bool' && property.options.length === 0 ? ['true', 'false'] : property.options.map((option) => option.value);
      const chosen = property.fieldType === 'checkbox' ? value.split(';') : [value];
      const bad = chosen.find((item) => !allowed.includes(item));
      return bad === undefined ? undefined : { name, code: 'INVALID_OPTION', message: `${bad} was not one of the allowed options: [${allowed.join(', ')}]` };
    }
    default:
      return undefined;
  }
}

export interface CheckedProperties {
  values: Map<string, string>;
  problems: ValueProblem[];
  /** A value that is not a string/number/boolean/null: HubSpot cannot deserialise the body at all. */
  malformed?: string;
}

export function checkProperties(core: EmulatorCore, portal: PortalState, properties: Record<string, unknown>): CheckedProperties {
  const values = new Map<string, string>();
  const problems: ValueProblem[] = [];
  for (const [name, raw] of Object.entries(properties)) {
    const value = wireValue(raw);
    if (value === undefined) return { values, problems, malformed: name };
    const property = portal.properties.get(name);
    if (!property || property.archived) {
      problems.push({ name, code: 'PROPERTY_DOESNT_EXIST', message: `Property "${name}" does not exist` });
      continue;
    }
    if (property.readOnlyValue) {
      problems.push({ name, code: 'READ_ONLY_VALUE', message: `"${name}" is a read only property; its value cannot be set.` });
      continue;
    }
    const invalid = checkValue(core, property, value);
    if (invalid) problems.push(invalid);
    else values.set(name, value);
  }
  return { values, problems };
}

/** The envelope HubSpot uses for invalid property values: the per-property list is JSON inside `message`. */
export function propertyProblemsBody(correlationId: string, hubId: number, problems: ValueProblem[]): HubSpotErrorBody {
  const detail = problems.map((p) => ({ isValid: false, message: p.message, error: p.code, name: p.name, localizedErrorMessage: p.message, portalId: hubId }));
  return {
    status: 'error',
    message: `Property values were not valid: ${JSON.stringify(detail)}`,
    correlationId,
    errors: problems.map((p) => ({ message: p.message, code: p.code, context: { propertyName: [p.name] } })),
    category: 'VALIDATION_ERROR',
  };
}

export function malformedReply(correlationId: string, name: string): Reply {
  return validationError(correlationId, `Invalid input JSON on line 1, column 1: Cannot deserialize value of type \`java.lang.String\` from non-scalar value (through reference chain: properties["${name}"])`);
}
