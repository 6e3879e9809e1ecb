import * as otelApi from '@opentelemetry/api';

/** `@opentelemetry/api` as the kit uses it (one import, so a change of how it is loaded is one line). */
export const otel = otelApi;
