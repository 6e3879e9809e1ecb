import { DEFAULT_WEB_OUT_DIR } from './web-assets.js';
import { startDemo, type DemoServer, type StartDemoOptions } from './demo-app.js';
import { deleteDemoState } from './reset.js';

export interface DemoRunner {
  /** The demo running now (a new object after each restart). */
  readonly current: DemoServer;
  /** Stops the demo and starts it again on the same ports, with the same data. */
  restart(): Promise<DemoServer>;
  /** Stops the demo, deletes its data (database and emulator state) and starts it again. */
  reset(): Promise<DemoServer>;
  close(): Promise<void>;
}

/**
 * The demo with a life cycle: `pnpm demo` and the browser test run it through this, so "Reset demo"
 * (the admin's button) and a restart behave the same everywhere. After the first start the ports
 * are pinned, so the OAuth redirect URI and the browser's tabs stay valid, and the page built then
 * is served again instead of rebuilt.
 */
export async function runDemo(options: StartDemoOptions & { onRestarted?: (demo: DemoServer, reason: 'restart' | 'reset') => void }): Promise<DemoRunner> {
  let current: DemoServer;
  let pending: Promise<DemoServer> | null = null;
  let startOptions: StartDemoOptions = { ...options, requestReset: () => void runner.reset().catch(() => undefined) };

  const again = (reason: 'restart' | 'reset') => {
    // One at a time: a second click while resetting waits for the first.
    pending ??= (async () => {
      try {
        await current.close();
        if (reason === 'reset') await deleteDemoState(options.config.dataDir);
        current = await startDemo(startOptions);
        options.onRestarted?.(current, reason);
        return current;
      } finally {
        pending = null;
      }
    })();
    return pending;
  };

  const runner: DemoRunner = {
    get current() {
      return current;
    },
    restart: () => again('restart'),
    reset: () => again('reset'),
    close: async () => {
      await pending?.catch(() => undefined);
      await current.close();
    },
  };

  current = await startDemo(startOptions);
  const web = options.web ?? { kind: 'build' as const };
  startOptions = {
    ...startOptions,
    config: { ...options.config, port: current.port, emulatorPort: current.emulator?.port ?? options.config.emulatorPort },
    web: web.kind === 'build' ? { kind: 'prebuilt', outDir: web.outDir ?? DEFAULT_WEB_OUT_DIR } : web,
  };
  return runner;
}
