// `pnpm demo`: the JobCannon HubSpot demo on embedded defaults (or real PostgreSQL/HubSpot, see
// README). Problems the person starting it can fix are printed as one plain message and exit 1.
import { ConfigError, loadConfig, loadDotEnv, type DemoConfig } from './config.js';
import type { DemoServer } from './demo-app.js';
import { runDemo, type DemoRunner } from './demo-runner.js';
import { deleteDemoState } from './reset.js';
import { StartupError } from './startup-error.js';
import { redactUrl } from './database.js';

const say = (message: string) => process.stdout.write(`${message}\n`);

async function main(): Promise<void> {
  let config: DemoConfig;
  try {
    const envFile = loadDotEnv();
    if (envFile) say(`  Read ${envFile}`);
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }

  if (process.argv.includes('--reset')) {
    if (config.databaseUrl) fail('--reset deletes the embedded database and the emulator state; with DATABASE_URL set, reset your PostgreSQL database yourself.');
    await deleteDemoState(config.dataDir);
    say(`  --reset: deleted the embedded database and the emulator state in ${config.dataDir}`);
  }

  let runner: DemoRunner;
  let demo: DemoServer;
  try {
    runner = await runDemo({
      config,
      onStep: (message) => say(`  ${message}`),
      web: process.argv.includes('--dev') ? { kind: 'dev' } : { kind: 'build' },
      onRestarted: (restarted, reason) => say(`\n${reason === 'reset' ? 'Reset demo: started clean' : 'Restarted'} at ${restarted.url}`),
    });
    demo = runner.current;
  } catch (error) {
    if (error instanceof StartupError) fail(error.message);
    throw error;
  }

  say('');
  say(`JobCannon HubSpot demo: ${demo.url}`);
  say(`  database: ${config.databaseUrl ? redactUrl(config.databaseUrl) : `embedded PostgreSQL in ${config.dataDir}`}`);
  say(demo.emulator ? `  HubSpot:  local emulator at ${demo.emulator.url} (contacts: ${demo.emulator.url}/_emulator/ui)` : `  HubSpot:  your app ${config.hubspot?.clientId} via ${config.hubspot?.authBase}`);
  if (!['127.0.0.1', '::1', 'localhost'].includes(config.host)) {
    say(`  Listening on ${config.host}: anyone who can reach it can sign in (there is no password). Unset HOST to keep it on this machine.`);
  }
  say('Press Ctrl+C to stop.');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(130);
    stopping = true;
    say(`\n${signal}: stopping…`);
    runner.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

function fail(message: string): never {
  process.stderr.write(`\nThe demo could not start.\n${message}\n`);
  process.exit(1);
}

main().catch((error: unknown) => {
  process.stderr.write(`\nThe demo crashed while starting:\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
