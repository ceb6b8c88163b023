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

/**
 * Whether `value` (by default the `CI` environment variable) marks a CI run: set to anything but
 * `""`, `"0"` or `"false"` (any case). Without `--allow-env` this is not a CI run.
 *
 * @example
 * ```ts
 * import { isCiRun } from "./data_dir.ts";
 * console.log(isCiRun("true"), isCiRun("1"), isCiRun("false"), isCiRun("")); // true true false false
 * ```
 */
export function isCiRun(value: string | undefined = readCiVariable()): boolean {
  if (value === undefined) return false;
  return !["", "0", "false"].includes(value.trim().toLowerCase());
}

function readCiVariable(): string | undefined {
  try {
    return Deno.env.get("CI");
  } catch {
    return undefined; // no --allow-env
  }
}

/** What the test suite does with the conformance data, from {@linkcode conformanceDataStatus}. */
export type ConformanceDataStatus =
  /** The data is there: run every case. */
  | { readonly state: "present" }
  /** The data is missing on a developer's machine: skip the suite, saying why. */
  | { readonly state: "skip"; readonly reason: string }
  /** The data is missing under CI: the suite must fail, not pass by skipping every case. */
  | { readonly state: "error"; readonly reason: string };

/**
 * Whether the suite can run on `dir`: `"present"`, else `"skip"` on a developer's machine, else
 * (`ci`, by default {@linkcode isCiRun}) `"error"`: a CI run without the data fails instead of
 * silently skipping every case.
 *
 * @example Missing data fails a CI run
 * ```ts
 * import { conformanceDataStatus } from "./data_dir.ts";
 * const nowhere = new URL("file:///nonexistent-wgtune-conformance/");
 * console.log(conformanceDataStatus(nowhere, false).state); // "skip"
 * console.log(conformanceDataStatus(nowhere, true).state); // "error"
 * ```
 */
export function conformanceDataStatus(dir: URL, ci: boolean = isCiRun()): ConformanceDataStatus {
  const missing = missingConformanceData(dir);
  if (missing === undefined) return { state: "present" };
  if (!ci) return { state: "skip", reason: missing };
  return {
    state: "error",
    reason: `${missing}; CI is set, so missing conformance data fails the run instead of ` +
      `skipping every case`,
  };
}
