// The demo as a library: what its browser test (and anyone scripting the demo) starts in-process.
export { loadConfig, ConfigError, DEFAULT_DATA_DIR, type DemoConfig, type HubSpotAppConfig } from './config.js';
export { startDemo, type DemoServer, type StartDemoOptions } from './demo-app.js';
export { buildWeb, type WebMode } from './web-assets.js';
export { StartupError } from './startup-error.js';
