import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/**
 * vitest hands its SSR resolve conditions (vitest.config.ts lists the bundler condition `module`)
 * to Node as `--conditions`, so Node resolves `@opentelemetry/api` to its bundler build, whose ESM
 * files import each other without extensions and cannot be loaded by Node. The SDK packages'
 * CommonJS builds require the API that way and fail. This points that path at the API's CommonJS
 * build (what Node picks without the condition, as in a host), before an SDK is loaded.
 */
export function requireOpenTelemetry<T>(name: string): T {
  const resolved = require.resolve('@opentelemetry/api');
  const esm = `${path.sep}build${path.sep}esm${path.sep}`;
  if (resolved.includes(esm) && require.cache[resolved] === undefined) {
    const commonJs = resolved.replace(esm, `${path.sep}build${path.sep}src${path.sep}`);
    require(commonJs);
    require.cache[resolved] = require.cache[commonJs];
  }
  return require(name) as T;
}
