import { defineConfig } from 'vitest/config';

// Tests resolve workspace packages to their TypeScript sources through this export condition,
// so a stale dist/ can never be what a test exercises.
const sourceCondition = '@jobcannon/source';
const resolveSources = {
  resolve: { conditions: [sourceCondition, 'module', 'browser', 'development|production'] },
  ssr: { resolve: { conditions: [sourceCondition, 'module', 'node', 'development|production'] } },
};

const nodeProject = (name: string, root: string, include = ['src/**/*.test.ts']) => ({
  ...resolveSources,
  test: { name, root, environment: 'node' as const, include, testTimeout: 60_000, hookTimeout: 60_000 },
});

export default defineConfig({
  test: {
    projects: [
      nodeProject('core', 'packages/core'),
      nodeProject('hubspot-emulator', 'packages/hubspot-emulator'),
      nodeProject('express-router', 'packages/express-router'),
      nodeProject('sweep', 'packages/sweep'),
      nodeProject('demo', 'apps/demo'),
      nodeProject('chaos', 'chaos', ['**/*.test.ts']),
      nodeProject('widget-browser', 'packages/widget', ['src/**/*.browser.test.ts']),
      // The packed tarballs installed with npm into scratch hosts outside the workspace (no source
      // condition needed: it runs the published dist/). Building, packing and two npm installs
      // take a while on a slow machine, hence the long hook timeout.
      {
        test: { name: 'consumer', root: 'consumer', environment: 'node' as const, include: ['**/*.test.ts'], testTimeout: 180_000, hookTimeout: 12 * 60_000 },
      },
      {
        ...resolveSources,
        test: {
          name: 'widget',
          root: 'packages/widget',
          environment: 'happy-dom',
          include: ['src/**/*.test.tsx'],
        },
      },
    ],
  },
});
