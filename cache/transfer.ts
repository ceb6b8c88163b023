/**
 * Moving tuning results between machines (`wgtune cache export|import`).
 *
 * @module
 */
import path from "node:path";
import {
  type CacheFileOptions,
  cacheFilePath,
  ensureCacheDir,
  parseCacheFileName,
  readCacheFile,
  updateCacheFile,
} from "./cache_file.ts";
import { CacheFormatError, oneLine } from "./errors.ts";
import { cacheFileNames } from "./list.ts";
import { bestOf, mergeEntries } from "./merge.ts";
import type { CacheFile, ImportResult } from "./types.ts";
import { salvageCacheFile } from "./validate.ts";

/** Options of {@linkcode exportCache}. */
export interface ExportCacheOptions {
  /**
   * Only the device with this fingerprint hash (16 hex digits).
   * @default {undefined} (every device)
   */
  fingerprintHash?: string;
  /**
   * Receives one line per file that is skipped because it is not valid.
   * @default {(message) => console.warn(`wgtune: warning: ${message}`)}
   */
  onWarning?: (message: string) => void;
}

/** Options of {@linkcode importCache}. */
export interface ImportCacheOptions {
  /**
   * Receives one line per warning (invalid records dropped from the input, an existing corrupt
   * or foreign file moved aside).
   * @default {(message) => console.warn(`wgtune: warning: ${message}`)}
   */
  onWarning?: (message: string) => void;
}

/**
 * Throws a `RangeError` unless `hash` is a fingerprint hash (16 lower-case hex digits).
 *
 * @example Check a CLI argument
 * ```ts
 * import { checkFingerprintHash } from "./transfer.ts";
 * checkFingerprintHash("0123456789abcdef", "options.fingerprintHash"); // fine
 * ```
 */
export function checkFingerprintHash(hash: unknown, name: string): void {
  if (typeof hash !== "string" || !/^[0-9a-f]{16}$/.test(hash)) {
    throw new RangeError(
      `'${name}' must be 16 lower-case hex digits: current value is ${JSON.stringify(hash)}`,
    );
  }
}

/**
 * The valid cache files of `dir` (optionally of one device), for writing to an export file.
 * Invalid files are skipped with a warning.
 *
 * @example Export an empty directory
 * ```ts
 * import { exportCache } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * console.log(await exportCache(dir)); // []
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function exportCache(
  dir: string,
  options: ExportCacheOptions = {},
): Promise<CacheFile[]> {
  const { fingerprintHash, onWarning = (message) => console.warn(`wgtune: warning: ${message}`) } =
    options;
  if (fingerprintHash !== undefined) {
    checkFingerprintHash(fingerprintHash, "options.fingerprintHash");
  }
  const files: CacheFile[] = [];
  for (const name of await cacheFileNames(dir)) {
    const { hash } = parseCacheFileName(name)!;
    if (fingerprintHash !== undefined && hash !== fingerprintHash) continue;
    const file = path.join(dir, name);
    try {
      const content = await readCacheFile(file);
      if (content.fingerprint.hash !== hash) {
        throw new Error(`${file}: belongs to device ${content.fingerprint.hash}, not ${hash}`);
      }
      files.push(content);
    } catch (error) {
      onWarning(`skipped cache file: ${(error as Error).message}`);
    }
  }
  return files;
}

/**
 * Merges exported cache files (one, or an array, as parsed JSON) into `dir`; a set-aside cache
 * file (`<slug>.corrupt-<time>.json`, `<slug>.foreign-<time>.json`) is imported the same way,
 * which is how its valid data comes back. Every input is validated first: an input that is not
 * a usable cache file at all (another format, a newer format version, a bad fingerprint) throws
 * a {@linkcode CacheFormatError} naming the bad field, and nothing is written; invalid entries
 * and trials are dropped with one warning per input and the rest is imported. Then each
 * device's file is updated with the same lock-and-merge path as tuning. Trials are unioned per
 * config, the newer entry (by `updatedAt`) winning conflicts.
 *
 * @example Export from one directory, import into another
 * ```ts
 * import { exportCache, importCache, TuneCache } from "./mod.ts";
 * import { computeFingerprint } from "../gpu/fingerprint.ts";
 * const fingerprint = await computeFingerprint({
 *   backend: "deno",
 *   runtime: "deno",
 *   adapter: { vendor: "", architecture: "", device: "", description: "example", driver: "", isFallbackAdapter: false },
 *   features: [],
 *   limits: {},
 * });
 * const from = await Deno.makeTempDir();
 * const to = await Deno.makeTempDir();
 * const cache = await TuneCache.open(from, fingerprint);
 * await cache.recordTrials(
 *   { kernel: "matmul", kernelVersion: 1, problemKey: "p", problem: null },
 *   { trials: [{ config: { x: 1 }, status: "ok", timeMs: 1 }] },
 * );
 * const exported = JSON.parse(JSON.stringify(await exportCache(from)));
 * console.log(await importCache(to, exported)); // { files: 1, entries: 1, trials: 1, dropped: 0 }
 * await Deno.remove(from, { recursive: true });
 * await Deno.remove(to, { recursive: true });
 * ```
 */
export async function importCache(
  dir: string,
  files: CacheFile[] | unknown,
  options: ImportCacheOptions = {},
): Promise<ImportResult> {
  const items = Array.isArray(files) ? files : [files];
  if (!Array.isArray(files) && (typeof files !== "object" || files === null)) {
    throw new CacheFormatError(
      `import data must be a wgtune cache file or an array of them: got ${
        files === undefined ? "undefined" : JSON.stringify(files)?.slice(0, 60)
      }`,
    );
  }
  const salvaged = items.map((item, i) => {
    try {
      return salvageCacheFile(item, Array.isArray(files) ? `files[${i}]` : "");
    } catch (error) {
      if (!(error instanceof CacheFormatError)) throw error;
      throw new CacheFormatError(`import data: ${error.message}`, { cause: error });
    }
  });
  const warn = options.onWarning ?? ((message) => console.warn(`wgtune: warning: ${message}`));
  let dropped = 0;
  for (const { dropped: lines } of salvaged) {
    if (lines.length === 0) continue;
    dropped += lines.length;
    warn(oneLine(
      `import data: dropped ${lines.length} invalid record(s), kept the rest (first: ${
        oneLine(lines[0]!, 200)
      })`,
      400,
    ));
  }
  const valid = salvaged.map((item) => item.file);
  if (valid.length === 0) return { files: 0, entries: 0, trials: 0, dropped };
  await ensureCacheDir(dir);
  const fileOptions: CacheFileOptions = { onWarning: options.onWarning };
  const targets = new Set<string>();
  let entries = 0;
  let trials = 0;
  for (const content of valid) {
    const target = cacheFilePath(dir, content.fingerprint);
    await updateCacheFile(target, content.fingerprint, (existing) => {
      for (const [key, entry] of Object.entries(content.entries)) {
        const previous = existing.entries[key];
        existing.entries[key] = previous === undefined
          ? { ...entry, best: bestOf(entry.trials) }
          : mergeEntries(previous, entry);
      }
      return { value: undefined, write: true };
    }, fileOptions);
    targets.add(target);
    const imported = Object.values(content.entries);
    entries += imported.length;
    trials += imported.reduce((sum, entry) => sum + entry.trials.length, 0);
  }
  return { files: targets.size, entries, trials, dropped };
}
