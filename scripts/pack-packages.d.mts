// Types for pack-packages.mjs, for the consumer test (TypeScript) that imports it.
export declare const repoRoot: string;
export interface PublishedPackage {
  name: string;
  dir: string;
}
export interface PackedPackage extends PublishedPackage {
  /** Absolute path of the .tgz. */
  tarball: string;
  /** Paths inside the tarball, below `package/`. */
  files: string[];
  /** The packed package.json. */
  manifest: { name: string; version: string; exports?: Record<string, unknown>; [field: string]: unknown };
}
export declare const PUBLISHED_PACKAGES: readonly PublishedPackage[];
export declare function buildPackages(options?: { log?: (line: string) => void }): Promise<string>;
export declare function packPackages(destination: string, options?: { log?: (line: string) => void }): Promise<PackedPackage[]>;
