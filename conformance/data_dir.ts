/**
 * Where the third-party conformance data lives: `../shared/conformance/` beside the repository
 * root, or the folder named by the `WGTUNE_CONFORMANCE_DIR` environment variable.
 *
 * @module
 */

/**
 * Environment variable that overrides the conformance data folder.
 *
 * @example Point the suite at another copy of the data
 * ```ts ignore
 * Deno.env.set(CONFORMANCE_DIR_ENV, "/data/conformance");
 * ```
 */
export const CONFORMANCE_DIR_ENV = "WGTUNE_CONFORMANCE_DIR";

/**
 * The conformance data folder as a `file:` URL ending in `/`: `$WGTUNE_CONFORMANCE_DIR` when set
 * (relative paths resolve against the working directory), else `../shared/conformance/` relative
 * to the repository root.
 *
 * @example Find the data folder
 * ```ts
 * import { conformanceDir } from "./data_dir.ts";
 * console.log(conformanceDir().href.endsWith("/")); // true
 * ```
 */
export function conformanceDir(): URL {
  let override: string | undefined;
  try {
    override = Deno.env.get(CONFORMANCE_DIR_ENV);
  } catch {
    override = undefined; // no --allow-env: use the default location
  }
  if (override) {
    const withSlash = override.endsWith("/") ? override : `${override}/`;
    return new URL(withSlash, `file://${Deno.cwd()}/`);
  }
  return new URL("../../shared/conformance/", import.meta.url);
}

/**
 * Why the conformance data cannot be used, or `undefined` when `dir` holds the `onnx-node/` and
 * `ort-web-ops/` folders.
 *
 * @example Check the data before running
 * ```ts
 * import { conformanceDir, missingConformanceData } from "./data_dir.ts";
 * const reason = missingConformanceData(conformanceDir());
 * console.log(reason === undefined || reason.includes("WGTUNE_CONFORMANCE_DIR")); // true
 * ```
 */
export function missingConformanceData(dir: URL): string | undefined {
  for (const sub of ["onnx-node/", "ort-web-ops/"]) {
    try {
      if (Deno.statSync(new URL(sub, dir)).isDirectory) continue;
    } catch {
      // fall through to the message
    }
    return `conformance data not found: ${new URL(sub, dir).pathname} is missing ` +
      `(set ${CONFORMANCE_DIR_ENV} to the folder holding onnx-node/ and ort-web-ops/)`;
  }
  return undefined;
}
