import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

// The page lives in web/. Workspace packages (the widget) are compiled from their TypeScript
// sources through the `@jobcannon/source` export condition, so a fresh clone needs no build step.
export default defineConfig({
  root: fileURLToPath(new URL('./web', import.meta.url)),
  plugins: [react()],
  resolve: { conditions: ['@jobcannon/source', ...defaultClientConditions] },
  build: { outDir: fileURLToPath(new URL('./dist/web', import.meta.url)), emptyOutDir: true },
  logLevel: 'warn',
});
