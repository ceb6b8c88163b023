/**
 * Listing the cache files of a directory (`wgtune cache ls`).
 *
 * @module
 */
import path from "node:path";
import { parseCacheFileName, readCacheFile } from "./cache_file.ts";
import { CacheDirError } from "./errors.ts";
import type { CacheFile, CacheFileSummary } from "./types.ts";

/** Options of {@linkcode listCacheFiles}. */
export interface ListCacheFilesOptions {
  /**
   * Current kernel versions by kernel name; entries of older versions are counted as stale.
   * @default {{}}
   */
  kernelVersions?: Readonly<Record<string, number>>;
}

/**
 * The cache file names of `dir`, sorted; `[]` when it does not exist. Throws
 * {@linkcode CacheDirError} when it cannot be read.
 *
 * @example Find cache files
 * ```ts
 * import { cacheFileNames } from "./list.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/deno-0123456789abcdef.json`, "{}");
 * await Deno.writeTextFile(`${dir}/notes.txt`, "");
 * console.log(await cacheFileNames(dir)); // ["deno-0123456789abcdef.json"]
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function cacheFileNames(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const item of Deno.readDir(dir)) {
      if (item.isFile && parseCacheFileName(item.name) !== undefined) names.push(item.name);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw new CacheDirError(dir, (error as Error).message, { cause: error });
  }
  return names.sort();
}

function summarize(
  file: string,
  slug: string,
  bytes: number,
  content: CacheFile,
  kernelVersions: Readonly<Record<string, number>>,
): CacheFileSummary {
  const entries = Object.values(content.entries);
  let updatedAt: string | null = null;
  for (const entry of entries) {
    if (updatedAt === null || Date.parse(entry.updatedAt) > Date.parse(updatedAt)) {
      updatedAt = entry.updatedAt;
    }
  }
  return {
    path: file,
    slug,
    hash: content.fingerprint.hash,
    backend: content.fingerprint.fields.backend,
    adapter: content.fingerprint.fields.adapter.description,
    entries: entries.length,
    trials: entries.reduce((sum, entry) => sum + entry.trials.length, 0),
    staleEntries: entries.filter((entry) => {
      const current = Object.hasOwn(kernelVersions, entry.kernel)
        ? kernelVersions[entry.kernel]
        : undefined;
      return current !== undefined && entry.kernelVersion < current;
    }).length,
    updatedAt,
    bytes,
    valid: true,
    reason: null,
  };
}

/**
 * Summarizes every cache file of `dir` (by name; set-aside, temporary and lock files are not
 * listed), sorted by name. Invalid files are listed with `valid: false` and the reason; they
 * are not moved. `[]` when `dir` does not exist.
 *
 * @example Summarize a directory
 * ```ts
 * import { listCacheFiles, TuneCache } from "./mod.ts";
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
 * await cache.recordTrials(
 *   { kernel: "matmul", kernelVersion: 1, problemKey: "p", problem: null },
 *   { trials: [{ config: { x: 1 }, status: "ok", timeMs: 1 }] },
 * );
 * const [summary] = await listCacheFiles(dir, { kernelVersions: { matmul: 2 } });
 * console.log(summary?.entries, summary?.trials, summary?.staleEntries, summary?.valid); // 1 1 1 true
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function listCacheFiles(
  dir: string,
  options: ListCacheFilesOptions = {},
): Promise<CacheFileSummary[]> {
  const { kernelVersions = {} } = options;
  const summaries: CacheFileSummary[] = [];
  for (const name of await cacheFileNames(dir)) {
    const { slug, hash } = parseCacheFileName(name)!;
    const file = path.join(dir, name);
    const invalid = (bytes: number, reason: string): CacheFileSummary => ({
      path: file,
      slug,
      hash,
      backend: null,
      adapter: null,
      entries: 0,
      trials: 0,
      staleEntries: 0,
      updatedAt: null,
      bytes,
      valid: false,
      reason,
    });
    let bytes = 0;
    let content: CacheFile;
    try {
      bytes = (await Deno.stat(file)).size;
      content = await readCacheFile(file);
    } catch (error) {
      const message = (error as Error).message;
      summaries.push(
        invalid(bytes, message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message),
      );
      continue;
    }
    if (content.fingerprint.hash !== hash) {
      summaries.push(
        invalid(bytes, `foreign: the name says ${hash}, the content ${content.fingerprint.hash}`),
      );
      continue;
    }
    summaries.push(summarize(file, slug, bytes, content, kernelVersions));
  }
  return summaries;
}
