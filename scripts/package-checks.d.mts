// Types for package-checks.mjs, for the consumer test (TypeScript) that imports it.
export interface CheckResult {
  tool: 'publint' | 'attw';
  ok: boolean;
  output: string;
}
export declare function assetEntrypoints(manifest: { exports?: Record<string, unknown> }): string[];
export declare function checkTarball(tarball: string, manifest: { exports?: Record<string, unknown> }): Promise<CheckResult[]>;
