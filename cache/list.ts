/**
 * Listing the cache files of a directory (`wgtune cache ls`).
 *
 * @module
 */
import path from "node:path";
import { parseCacheFileName, setAsideSlug } from "./cache_file.ts";
import { CacheDirError, oneLine } from "./errors.ts";
import { newerFormatVersion, salvageCacheFile } from "./validate.ts";
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

/**
 * The set-aside files of `dir` (`<slug>.corrupt-<time>.json`, `<slug>.foreign-<time>.json`),
 * sorted; `[]` when it does not exist. Throws {@linkcode CacheDirError} when it cannot be read.
 *
 * @example Find set-aside files
 * ```ts
 * import { setAsideFileNames } from "./list.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/deno-0123456789abcdef.corrupt-2026-01-01T00-00-00-000Z.json`, "{");
 * await Deno.writeTextFile(`${dir}/deno-0123456789abcdef.json`, "{}");
 * console.log(await setAsideFileNames(dir)); // ["deno-0123456789abcdef.corrupt-2026-01-01T00-00-00-000Z.json"]
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function setAsideFileNames(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const item of Deno.readDir(dir)) {
      if (item.isFile && setAsideSlug(item.name) !== undefined) names.push(item.name);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw new CacheDirError(dir, (error as Error).message, { cause: error });
  }
  return names.sort();
}

/** What can be read of a file: its valid part and why it is not wholly valid. */
interface Reading {
  readonly bytes: number;
  readonly content: CacheFile | undefined;
  readonly dropped: number;
  readonly reason: string | null;
}

async function read(file: string): Promise<Reading> {
  let bytes = 0;
  let text: string;
  try {
    bytes = (await Deno.stat(file)).size;
    text = await Deno.readTextFile(file);
  } catch (error) {
    return { bytes, content: undefined, dropped: 0, reason: (error as Error).message };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return {
      bytes,
      content: undefined,
      dropped: 0,
      reason: `invalid JSON (${(error as Error).message})`,
    };
  }
  const newer = newerFormatVersion(data);
  if (newer !== undefined) {
    return {
      bytes,
      content: undefined,
      dropped: 0,
      reason: `written by a newer wgtune (formatVersion ${newer}); left untouched`,
    };
  }
  try {
    const { file: content, dropped } = salvageCacheFile(data);
    return {
      bytes,
      content,
      dropped: dropped.length,
      reason: dropped.length === 0
        ? null
        : `${dropped.length} invalid record(s), first: ${oneLine(dropped[0]!, 160)}`,
    };
  } catch (error) {
    return { bytes, content: undefined, dropped: 0, reason: (error as Error).message };
  }
}

function summarize(
  file: string,
  slug: string,
  setAside: CacheFileSummary["setAside"],
  reading: Reading,
  kernelVersions: Readonly<Record<string, number>>,
): CacheFileSummary {
  const { bytes, content, dropped } = reading;
  const nameHash = slug.slice(-16);
  let reason = reading.reason;
  if (content !== undefined && content.fingerprint.hash !== nameHash) {
    const foreign = `foreign: the name says ${nameHash}, the content ${content.fingerprint.hash}`;
    reason = reason === null ? foreign : `${foreign}; ${reason}`;
  }
  const entries = content === undefined ? [] : Object.values(content.entries);
  let updatedAt: string | null = null;
  for (const entry of entries) {
    if (updatedAt === null || Date.parse(entry.updatedAt) > Date.parse(updatedAt)) {
      updatedAt = entry.updatedAt;
    }
  }
  return {
    path: file,
    slug,
    hash: content?.fingerprint.hash ?? nameHash,
    backend: content?.fingerprint.fields.backend ?? null,
    adapter: content?.fingerprint.fields.adapter.description ?? null,
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
    valid: reason === null,
    reason,
    setAside,
    invalidRecords: dropped,
  };
}

/**
 * Summarizes every cache file of `dir` (by name), then every file set aside from one (a corrupt,
 * partly invalid or foreign file moved or copied aside: `cache import <path>` recovers its valid
 * entries), each group sorted by name; temporary and lock files are not listed. Files that are
 * not wholly valid are listed with `valid: false`, the reason, and the counts of their valid
 * part; nothing is moved. `[]` when `dir` does not exist.
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
    const file = path.join(dir, name);
    const { slug } = parseCacheFileName(name)!;
    summaries.push(summarize(file, slug, null, await read(file), kernelVersions));
  }
  for (const name of await setAsideFileNames(dir)) {
    const file = path.join(dir, name);
    const kind = name.slice(setAsideSlug(name)!.length + 1).startsWith("foreign-")
      ? "foreign"
      : "corrupt";
    summaries.push(summarize(file, setAsideSlug(name)!, kind, await read(file), kernelVersions));
  }
  return summaries;
}
