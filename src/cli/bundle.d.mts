/** Bundles `entries` (name: source file) into `outdir` as src/cli/launch.mjs bundles the CLI for npm. */
export function bundleCli(outdir: string, entries: Record<string, string>): Promise<void>;
