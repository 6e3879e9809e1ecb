#!/usr/bin/env node
// jc-hubspot-sweep: the sweep as its own process (see README "CLI"). All logic is in cli-main.ts.
import { setMaxListeners } from 'node:events';
import { runCli } from './cli-main.js';

// core's drain adds an abort listener per HubSpot batch in flight (rate limiter + request) to one
// signal, so a 1,000-row claim passes Node's default of 10 and prints a leak warning across the
// progress bar. This process owns no other long-lived signals: raise the default here.
setMaxListeners(64);

const code = await runCli({ argv: process.argv.slice(2), env: process.env, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr, signals: process });
process.exitCode = code;
// Everything is closed by now and the process ends by itself; should a host's --source module
// leave a handle open, a scheduler must still see the exit code rather than a hung run.
setTimeout(() => process.exit(code), 2_000).unref();
