// The demo host app; built by its own issue.
export {};
