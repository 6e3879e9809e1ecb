/**
 * The names every figure is published under (OpenTelemetry instrument names; a Prometheus exporter
 * turns the dots into underscores and adds `_total` to counters and the unit to the name). Exported
 * so a host's dashboards and alerts can refer to them by constant.
 */
export const METRIC_NAMES = {
  /** Gauge, attribute `state`: pending (due or not, of a connected org), held (org not connected), failed, done. */
  outboxRows: 'jobcannon_hubspot.outbox.rows',
  /** Gauge, seconds: how long the oldest due pending row has waited past its due time (0 when none). */
  outboxOldestDueAge: 'jobcannon_hubspot.outbox.oldest_due_age',
  /** Counter: invites written to HubSpot (a row turned done). */
  invitesPushed: 'jobcannon_hubspot.invites.pushed',
  /** Counter: invites rescheduled by backoff (a retry). */
  invitesRetried: 'jobcannon_hubspot.invites.retried',
  /** Counter, attribute `result`: created or updated, as HubSpot's upsert answered. */
  contactsWritten: 'jobcannon_hubspot.contacts.written',
  /** Counter, attributes `code` (ERROR_CODES key) and `outcome` (retry, failed, held). */
  errors: 'jobcannon_hubspot.errors',
  /** Counter, attributes `operation` and `http.response.status_code` (or `error.type` when no answer came). */
  hubspotResponses: 'jobcannon_hubspot.hubspot.responses',
  /** Counter, attribute `operation`: HubSpot answered 429 (also counted in hubspot.responses). */
  hubspotRateLimited: 'jobcannon_hubspot.hubspot.rate_limited',
  /** Histogram, seconds, attributes as hubspot.responses. */
  hubspotRequestDuration: 'jobcannon_hubspot.hubspot.request.duration',
  /** Counter, attribute `outcome`: ok, refused (the portal must reconnect), failed (token endpoint down). */
  tokenRefreshes: 'jobcannon_hubspot.token.refreshes',
  /** Gauge, attribute `portal_id`: request slots of the portal's rate window in use. */
  portalBudgetInUse: 'jobcannon_hubspot.portal.budget.in_use',
  /** Gauge, attribute `portal_id`: the portal's request slots per window. */
  portalBudgetLimit: 'jobcannon_hubspot.portal.budget.limit',
} as const;

/** The instrumentation scope the meter and the tracer are named after. */
export const INSTRUMENTATION_SCOPE = '@jobcannon/hubspot-core';
