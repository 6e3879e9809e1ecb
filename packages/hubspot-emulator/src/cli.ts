#!/usr/bin/env node
import { parseCliArgs, USAGE } from './cli-args.js';
import { startEmulator } from './server.js';

// `hubspot-emulator --port 4010`: runs the emulator until SIGINT/SIGTERM, then closes it cleanly.

async function main(): Promise<void> {
  // Output piped into something that exits early (`| head`) must not crash the shutdown path.
  process.stdout.on('error', () => undefined);
  let config;
  try {
    config = parseCliArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    process.exit(2);
  }
  if (config.help) {
    process.stdout.write(USAGE);
    return;
  }
  const emulator = await startEmulator(config.options);
  const lines = [`HubSpot emulator listening on ${emulator.url}`];
  for (const app of emulator.state.apps.values()) lines.push(`  app ${app.name}: client_id=${app.clientId} client_secret=${app.clientSecret}`);
  for (const portal of emulator.state.portals.values()) lines.push(`  portal ${portal.hubId} (${portal.domain}) contacts: ${emulator.url}/_emulator/ui/portals/${portal.hubId}`);
  lines.push(`  authorize: ${emulator.url}/oauth/authorize?client_id=…&redirect_uri=…&scope=…`);
  lines.push(`  control API: ${emulator.url}/_emulator/state`);
  if (config.issueTokens) {
    for (const portal of emulator.state.portals.values()) {
      const tokens = emulator.issueTokens({ hubId: portal.hubId });
      lines.push(`  tokens for ${portal.hubId}: access_token=${tokens.accessToken} refresh_token=${tokens.refreshToken}`);
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal} received, shutting down\n`);
    // A hung (timeout-faulted) request must not keep the process alive.
    const force = setTimeout(() => process.exit(0), 3000);
    force.unref();
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`hubspot-emulator failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
