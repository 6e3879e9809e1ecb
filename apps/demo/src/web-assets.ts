import type { Server } from 'node:http';
import path from 'node:path';
import express, { type Express } from 'express';
import { DEMO_ROOT } from './config.js';

export type WebMode =
  /** Build the page with Vite at start-up, then serve the files (what `pnpm demo` does). */
  | { kind: 'build'; outDir?: string }
  /** Serve files an earlier build wrote (tests build once). */
  | { kind: 'prebuilt'; outDir: string }
  /** Vite in middleware mode with hot reload, for working on the page (`pnpm --filter @jobcannon/hubspot-demo dev`). */
  | { kind: 'dev' };

export const VITE_CONFIG = path.join(DEMO_ROOT, 'vite.config.ts');
export const DEFAULT_WEB_OUT_DIR = path.join(DEMO_ROOT, 'dist', 'web');

/** Builds the page (web/) into outDir. Vite is imported only when needed: production hosts serve files. */
export async function buildWeb(outDir = DEFAULT_WEB_OUT_DIR): Promise<string> {
  const { build } = await import('vite');
  await build({ configFile: VITE_CONFIG, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  return outDir;
}

/** Serves the page; returns a closer for what it started (Vite's dev server). */
export async function mountWeb(app: Express, server: Server, mode: WebMode): Promise<() => Promise<void>> {
  if (mode.kind === 'dev') {
    const { createServer } = await import('vite');
    // HMR rides on the demo's own HTTP server, so there is no second port to open.
    const vite = await createServer({ configFile: VITE_CONFIG, appType: 'spa', server: { middlewareMode: true, hmr: { server } } });
    app.use(vite.middlewares);
    return () => vite.close();
  }
  const outDir = mode.kind === 'build' ? await buildWeb(mode.outDir) : mode.outDir;
  app.use(express.static(outDir, { index: 'index.html' }));
  // The page is one screen; any other GET that is not an API answers it too (e.g. ?hubspot=connected).
  app.get(/^\/(?!api\/|integrations\/).*/, (_req, res) => res.sendFile(path.join(outDir, 'index.html')));
  return async () => {};
}
