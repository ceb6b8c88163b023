/**
 * The errors of the cache that callers are meant to catch.
 *
 * @module
 */

/**
 * Collapses a message to one line of at most `max` characters.
 *
 * @example Flatten a multi-line message
 * ```ts
 * import { oneLine } from "./errors.ts";
 * console.log(oneLine("first\n  second")); // "first second"
 * ```
 */
export function oneLine(text: string, max = 300): string {
  const line = text.replace(/\s*\n\s*/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * The cache directory cannot be created, read or written. The CLI prints its message (one line,
 * naming the directory and the reason) and exits with code 2.
 *
 * @example Catch an unusable cache directory
 * ```ts
 * import { CacheDirError, TuneCache } from "./mod.ts";
 * import { computeFingerprint } from "../gpu/fingerprint.ts";
 * const fingerprint = await computeFingerprint({
 *   backend: "deno",
 *   runtime: "deno",
 *   adapter: { vendor: "", architecture: "", device: "", description: "example", driver: "", isFallbackAdapter: false },
 *   features: [],
 *   limits: {},
 * });
 * const file = await Deno.makeTempFile();
 * try {
 *   await TuneCache.open(`${file}/cache`, fingerprint);
 * } catch (error) {
 *   if (!(error instanceof CacheDirError)) throw error;
 *   console.log(error.message); // "cache directory '/tmp/...' is not usable: ..."
 * } finally {
 *   await Deno.remove(file);
 * }
 * ```
 */
export class CacheDirError extends Error {
  /** The directory. */
  readonly dir: string;
  /** Creates the error for a directory and the (operating system's) reason. */
  constructor(dir: string, reason: string, options?: ErrorOptions) {
    super(oneLine(`cache directory '${dir}' is not usable: ${reason}`), options);
    this.name = "CacheDirError";
    this.dir = dir;
  }
}

/**
 * Data that should be a wgtune cache file is not one (invalid JSON, wrong format tag or version,
 * malformed entries). The message names the file or input and the first offending field.
 *
 * @example Refuse malformed import data
 * ```ts
 * import { CacheFormatError, importCache } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * try {
 *   await importCache(dir, { format: "something-else" });
 * } catch (error) {
 *   console.log(error instanceof CacheFormatError); // true
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export class CacheFormatError extends Error {
  /** Creates the error; the message should name the data and the offending field. */
  constructor(message: string, options?: ErrorOptions) {
    super(oneLine(message, 500), options);
    this.name = "CacheFormatError";
  }
}
