/**
 * The per-device tuning cache: one JSON file per device fingerprint, `<dir>/<slug>.json`,
 * holding every trial of every kernel version and problem tuned on that device. Writes are
 * atomic and locked, so several tuning processes can share a directory; corrupt files and files
 * of another device are moved aside with a warning instead of failing or being overwritten.
 *
 * @example Tune once, look up later
 * ```ts
 * import { TuneCache } from "./mod.ts";
 * import { computeFingerprint } from "../gpu/fingerprint.ts";
 * const fingerprint = await computeFingerprint({
 *   backend: "deno",
 *   runtime: "deno",
 *   adapter: { vendor: "", architecture: "", device: "", description: "example", driver: "", isFallbackAdapter: false },
 *   features: [],
 *   limits: {},
 * });
 * const dir = await Deno.makeTempDir();
 * const cache = await TuneCache.open(dir, fingerprint);
 * const key = { kernel: "matmul", kernelVersion: 1, problemKey: "p", problem: null };
 * await cache.recordTrials(key, { trials: [{ config: { x: 1 }, status: "ok", timeMs: 1 }], complete: true });
 * console.log((await cache.get("matmul", 1, "p"))?.best?.config); // { x: 1 }
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
export * from "./types.ts";
export { CacheDirError, CacheFormatError } from "./errors.ts";
export { defaultCacheDir, resolveCacheDir } from "./dir.ts";
export { entryKey } from "./merge.ts";
export * from "./tune_cache.ts";
export { readCacheFile } from "./cache_file.ts";
export { listCacheFiles, type ListCacheFilesOptions } from "./list.ts";
export {
  exportCache,
  type ExportCacheOptions,
  importCache,
  type ImportCacheOptions,
} from "./transfer.ts";
export * from "./clear.ts";
