// What route handlers return; server.ts turns it into an HTTP response. Keeping handlers free of
// `res` lets faults, rate-limit headers and counters be applied in one place.

export interface Reply {
  status: number;
  /** JSON-serialised unless `text` is set. */
  body?: unknown;
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface HubSpotErrorBody {
  status: 'error';
  message: string;
  correlationId: string;
  category: string;
  subCategory?: string;
  context?: Record<string, string[]>;
  errors?: Array<{ message: string; code?: string; in?: string; context?: Record<string, string[]>; subCategory?: string }>;
  links?: Record<string, string>;
  [extra: string]: unknown;
}

export function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return headers ? { status, body, headers } : { status, body };
}

export function noContent(): Reply {
  return { status: 204 };
}

export function html(status: number, text: string): Reply {
  return { status, text, contentType: 'text/html; charset=utf-8' };
}

export function redirect(location: string): Reply {
  return { status: 302, headers: { Location: location }, text: '' };
}

/** HubSpot's standard error envelope: `{status:"error", message, correlationId, category, …}`. */
export function hubspotError(
  status: number,
  correlationId: string,
  category: string,
  message: string,
  extra: Partial<Omit<HubSpotErrorBody, 'status' | 'message' | 'correlationId' | 'category'>> = {},
): Reply {
  const body: HubSpotErrorBody = { status: 'error', message, correlationId, ...extra, category };
  return json(status, body);
}

export function validationError(correlationId: string, message: string, extra: Partial<HubSpotErrorBody> = {}): Reply {
  return hubspotError(400, correlationId, 'VALIDATION_ERROR', message, extra);
}

export function notFoundError(correlationId: string, message: string, extra: Partial<HubSpotErrorBody> = {}): Reply {
  return hubspotError(404, correlationId, 'OBJECT_NOT_FOUND', message, extra);
}

/** Jackson's wording for a missing required field, the form HubSpot answers with. */
export function missingAttributesMessage(typeName: string, missing: string[]): string {
  return `Invalid input JSON on line 1, column 1: Cannot build ${typeName}, some of required attributes are not set [${missing.join(', ')}]`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
