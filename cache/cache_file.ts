/**
 * One cache file on disk: naming, strict reading, lock-free loading, and locked
 * read-merge-write updates. A file with some invalid entries or trials keeps its valid ones (a
 * copy of the original is set aside); unusable files and files of another device are moved
 * aside; each with one warning, never thrown to the caller and never overwritten. A file written
 * by a newer wgtune (a higher `formatVersion`) is left untouched: reading or writing it throws a
 * one-line {@linkcode CacheFormatError}.
 *
 * @module
 */
import path from "node:path";
import type { DeviceFingerprint } from "../gpu/fingerprint.ts";
import { isTempFileName, writeFileAtomic } from "./atomic_write.ts";
import { CacheDirError, CacheFormatError, oneLine } from "./errors.ts";
import { withFileLock } from "./file_lock.ts";
import { serializeCacheFile } from "./serialize.ts";
import { CACHE_FORMAT, CACHE_FORMAT_VERSION, type CacheFile } from "./types.ts";
import {
  newerFormatVersion,
  salvageCacheFile,
  type SalvagedCacheFile,
  validateCacheFile,
} from "./validate.ts";

/** Receives one-line warnings. */
export type WarningHandler = (message: string) => void;

/** Options shared by the functions that may move a bad file aside. */
export interface CacheFileOptions {
  /**
   * Receives one line per warning (a file moved aside, a stale lock broken).
   * @default {(message) => console.warn(`wgtune: warning: ${message}`)}
   */
  onWarning?: WarningHandler | undefined;
}

const defaultWarn: WarningHandler = (message) => console.warn(`wgtune: warning: ${message}`);

const CACHE_FILE_NAME = /^((?:[a-z0-9]+-)*([0-9a-f]{16}))\.json$/;
const SET_ASIDE_NAME = /^((?:[a-z0-9]+-)*[0-9a-f]{16})\.(?:corrupt|foreign)-[0-9A-Za-z-]+\.json$/;

/**
 * The path of the cache file of a device: `<dir>/<fingerprint.slug>.json`.
 *
 * @example Path of a device's cache file
 * ```ts
 * import { cacheFilePath } from "./cache_file.ts";
 * console.log(cacheFilePath("/cache", { slug: "deno-llvmpipe-0123456789abcdef" })); // "/cache/deno-llvmpipe-0123456789abcdef.json"
 * ```
 */
export function cacheFilePath(dir: string, fingerprint: Pick<DeviceFingerprint, "slug">): string {
  return path.join(dir, `${fingerprint.slug}.json`);
}

/**
 * The path of the cache file of a device in `dir`: `<dir>/<fingerprint.slug>.json`, unless that
 * file does not exist and a cache file of the same fingerprint hash under another slug does (the
 * slug of a device's name changed between wgtune versions): then that file, so that its results
 * stay in use and wgtune versions sharing the directory share it.
 *
 * @example The file of a device
 * ```ts
 * import { findCacheFile } from "./cache_file.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/deno-old-name-0123456789abcdef.json`, "{}");
 * const found = await findCacheFile(dir, { slug: "deno-new-name-0123456789abcdef", hash: "0123456789abcdef" });
 * console.log(found.endsWith("deno-old-name-0123456789abcdef.json")); // true
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function findCacheFile(
  dir: string,
  fingerprint: Pick<DeviceFingerprint, "slug" | "hash">,
): Promise<string> {
  const file = cacheFilePath(dir, fingerprint);
  try {
    await Deno.lstat(file);
    return file;
  } catch {
    // Not there (or not readable: then the usual path reports it).
  }
  const others: string[] = [];
  try {
    for await (const item of Deno.readDir(dir)) {
      if (item.isFile && parseCacheFileName(item.name)?.hash === fingerprint.hash) {
        others.push(item.name);
      }
    }
  } catch {
    return file;
  }
  const [first] = others.sort();
  return first === undefined ? file : path.join(dir, first);
}

/**
 * The slug and hash a cache file name stands for, or `undefined` when `name` is not the name of
 * a cache file (set-aside, temporary, lock and unrelated files are not).
 *
 * @example Parse a file name
 * ```ts
 * import { parseCacheFileName } from "./cache_file.ts";
 * console.log(parseCacheFileName("deno-x-0123456789abcdef.json")); // { slug: "deno-x-0123456789abcdef", hash: "0123456789abcdef" }
 * console.log(parseCacheFileName("notes.txt")); // undefined
 * ```
 */
export function parseCacheFileName(name: string): { slug: string; hash: string } | undefined {
  const match = CACHE_FILE_NAME.exec(name);
  return match ? { slug: match[1]!, hash: match[2]! } : undefined;
}

/**
 * The slug of the cache file a set-aside file (`<slug>.corrupt-<time>.json`,
 * `<slug>.foreign-<time>.json`) came from, or `undefined` for any other name.
 *
 * @example Where a set-aside file came from
 * ```ts
 * import { setAsideSlug } from "./cache_file.ts";
 * console.log(setAsideSlug("deno-0123456789abcdef.corrupt-2026-01-01T00-00-00-000Z.json")); // "deno-0123456789abcdef"
 * ```
 */
export function setAsideSlug(name: string): string | undefined {
  return SET_ASIDE_NAME.exec(name)?.[1];
}

/**
 * An empty cache file for a device.
 *
 * @example Start a new file
 * ```ts
 * import { computeFingerprint } from "@wgtune/wgtune/gpu";
 * const fingerprint = await computeFingerprint({
 *   backend: "deno",
 *   runtime: "deno",
 *   adapter: { vendor: "", architecture: "", device: "", description: "example", driver: "", isFallbackAdapter: false },
 *   features: [],
 *   limits: {},
 * });
 * import { emptyCacheFile } from "./cache_file.ts";
 * const file = emptyCacheFile(fingerprint);
 * console.log(Object.keys(file.entries).length); // 0
 * ```
 */
export function emptyCacheFile(fingerprint: DeviceFingerprint): CacheFile {
  return { format: CACHE_FORMAT, formatVersion: CACHE_FORMAT_VERSION, fingerprint, entries: {} };
}

/**
 * Parses and validates the text of a cache file; throws {@linkcode CacheFormatError} whose
 * message starts with `source`.
 *
 * @example Report a truncated file
 * ```ts
 * import { parseCacheFile } from "./cache_file.ts";
 * try {
 *   parseCacheFile('{"format": "wgtune-cache", "formatVer', "dev.json");
 * } catch (error) {
 *   console.log((error as Error).message); // "dev.json: invalid JSON (...)"
 * }
 * ```
 */
export function parseCacheFile(text: string, source: string): CacheFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new CacheFormatError(`${source}: invalid JSON (${(error as Error).message})`, {
      cause: error,
    });
  }
  try {
    return validateCacheFile(data);
  } catch (error) {
    if (!(error instanceof CacheFormatError)) throw error;
    throw new CacheFormatError(`${source}: ${error.message}`, { cause: error });
  }
}

/**
 * Reads and validates a cache file. Throws the file system's error when it cannot be read and
 * {@linkcode CacheFormatError} when it is not a valid cache file.
 *
 * @example Read a cache file
 * ```ts
 * import { readCacheFile, TuneCache } from "./mod.ts";
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
 * await cache.recordTrials({ kernel: "matmul", kernelVersion: 1, problemKey: "p", problem: null }, {});
 * const file = await readCacheFile(cache.path);
 * console.log(Object.keys(file.entries)); // ["matmul@v1/p"]
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readCacheFile(path: string): Promise<CacheFile> {
  return parseCacheFile(await Deno.readTextFile(path), path);
}

/**
 * Creates `dir` (recursively) and checks that files can be created in it; throws
 * {@linkcode CacheDirError} naming the directory and the reason otherwise.
 *
 * @example Create a nested cache directory
 * ```ts
 * import { ensureCacheDir } from "./cache_file.ts";
 * const dir = await Deno.makeTempDir();
 * await ensureCacheDir(`${dir}/a/b`);
 * console.log((await Deno.stat(`${dir}/a/b`)).isDirectory); // true
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function ensureCacheDir(dir: string): Promise<void> {
  try {
    await Deno.mkdir(dir, { recursive: true });
    const probe = path.join(dir, `.wgtune-probe-${Deno.pid}-${crypto.randomUUID()}`);
    (await Deno.open(probe, { createNew: true, write: true })).close();
    await Deno.remove(probe);
  } catch (error) {
    throw new CacheDirError(dir, (error as Error).message, { cause: error });
  }
}

/**
 * Removes temporary files of interrupted writes to `target` (`<target>.<pid>.<random>.tmp`)
 * older than `maxAgeMs`. Best effort: returns how many were removed and never throws.
 *
 * @example Clean up after a crash
 * ```ts
 * import { removeOrphanTempFiles } from "./cache_file.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a.json.123.abc.tmp`, "{");
 * console.log(await removeOrphanTempFiles(`${dir}/a.json`, 0)); // 1
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function removeOrphanTempFiles(target: string, maxAgeMs = 600_000): Promise<number> {
  const dir = path.dirname(target);
  const prefix = `${path.basename(target)}.`;
  let removed = 0;
  try {
    for await (const item of Deno.readDir(dir)) {
      if (!item.isFile || !item.name.startsWith(prefix) || !isTempFileName(item.name)) continue;
      const file = path.join(dir, item.name);
      try {
        const mtime = (await Deno.stat(file)).mtime;
        if (mtime !== null && Date.now() - mtime.getTime() < maxAgeMs) continue;
        await Deno.remove(file);
        removed++;
      } catch {
        // Renamed or removed by its writer meanwhile.
      }
    }
  } catch {
    // Unreadable directory: nothing to clean.
  }
  return removed;
}

type Checked =
  | { readonly kind: "valid"; readonly file: CacheFile }
  | {
    /** Valid but for some entries or trials, which `file` leaves out. */
    readonly kind: "salvaged";
    readonly file: CacheFile;
    readonly dropped: readonly string[];
  }
  | { readonly kind: "newer"; readonly version: number }
  | { readonly kind: "corrupt" | "foreign"; readonly reason: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** What the text of a cache file holds, for the device `fingerprint`. */
function check(text: string, fingerprint: DeviceFingerprint): Checked {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { kind: "corrupt", reason: `invalid JSON (${(error as Error).message})` };
  }
  const version = newerFormatVersion(data);
  if (version !== undefined) return { kind: "newer", version };
  let salvaged: SalvagedCacheFile;
  try {
    salvaged = salvageCacheFile(data);
  } catch (error) {
    if (!(error instanceof CacheFormatError)) throw error;
    const stored = isRecord(data) && isRecord(data.fingerprint) ? data.fingerprint : undefined;
    // A damaged description of this very device (its hash is right): the entries are still
    // this device's, so they are kept under the current fingerprint.
    if (stored?.hash !== fingerprint.hash) return { kind: "corrupt", reason: error.message };
    try {
      const again = salvageCacheFile({ ...(data as object), fingerprint });
      salvaged = {
        file: again.file,
        dropped: [`${error.message} (replaced the fingerprint)`, ...again.dropped],
      };
    } catch {
      return { kind: "corrupt", reason: error.message };
    }
  }
  const parsed = salvaged.file;
  if (parsed.fingerprint.hash !== fingerprint.hash) {
    return {
      kind: "foreign",
      reason: `it holds fingerprint ${parsed.fingerprint.hash} (${parsed.fingerprint.slug}), ` +
        `expected ${fingerprint.hash}`,
    };
  }
  return salvaged.dropped.length === 0
    ? { kind: "valid", file: parsed }
    : { kind: "salvaged", file: parsed, dropped: salvaged.dropped };
}

/**
 * The one-line error for a cache file written by a newer wgtune: it is never read, moved or
 * written by this one.
 */
function newerFileError(file: string, version: number): CacheFormatError {
  return new CacheFormatError(
    `cache file '${file}' was written by a newer wgtune (formatVersion ${version}, this one ` +
      `reads ${CACHE_FORMAT_VERSION}); left it untouched: upgrade wgtune or use another cache directory`,
  );
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new CacheDirError(
      path.dirname(file),
      `cannot read '${file}': ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

/** A free name `<base>.<kind>-<time>[-n].json` beside `file`. */
async function asideName(file: string, kind: "corrupt" | "foreign"): Promise<string> {
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const base = file.endsWith(".json") ? file.slice(0, -".json".length) : file;
  let aside = `${base}.${kind}-${stamp}.json`;
  for (let n = 1; await Deno.lstat(aside).then(() => true, () => false); n++) {
    aside = `${base}.${kind}-${stamp}-${n}.json`;
  }
  return aside;
}

async function setAside(
  file: string,
  kind: "corrupt" | "foreign",
  reason: string,
  warn: WarningHandler,
): Promise<void> {
  const aside = await asideName(file, kind);
  try {
    await Deno.rename(file, aside);
  } catch (error) {
    throw new CacheDirError(
      path.dirname(file),
      `cannot move ${kind} file '${file}' aside: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const what = kind === "corrupt" ? "is corrupt" : "belongs to another device";
  warn(oneLine(`cache file '${file}' ${what} (${reason}); moved it to '${aside}'`, 400));
}

/**
 * Keeps a copy of a partly invalid file as `<slug>.corrupt-<time>.json` and replaces the file by
 * its valid part, with one warning.
 */
async function repair(
  file: string,
  content: CacheFile,
  dropped: readonly string[],
  fingerprint: DeviceFingerprint,
  warn: WarningHandler,
): Promise<void> {
  const aside = await asideName(file, "corrupt");
  try {
    await Deno.copyFile(file, aside);
    await writeFileAtomic(file, serializeCacheFile({ ...content, fingerprint }));
  } catch (error) {
    throw new CacheDirError(
      path.dirname(file),
      `cannot repair cache file '${file}': ${(error as Error).message}`,
      { cause: error },
    );
  }
  const entries = Object.keys(content.entries).length;
  warn(oneLine(
    `cache file '${file}' holds ${dropped.length} invalid record(s); kept its ${entries} valid ` +
      `entries and a copy of the original at '${aside}' (first: ${oneLine(dropped[0] ?? "", 200)})`,
    800,
  ));
}

/**
 * Under the lock: the valid file (repaired first when only some entries or trials were invalid),
 * or `undefined` after moving an unusable one aside. A newer wgtune's file throws.
 */
async function readLocked(
  file: string,
  fingerprint: DeviceFingerprint,
  warn: WarningHandler,
): Promise<CacheFile | undefined> {
  const text = await readIfExists(file);
  if (text === undefined) return undefined;
  const checked = check(text, fingerprint);
  switch (checked.kind) {
    case "valid":
      return checked.file;
    case "salvaged":
      await repair(file, checked.file, checked.dropped, fingerprint, warn);
      return checked.file;
    case "newer":
      throw newerFileError(file, checked.version);
    default:
      await setAside(file, checked.kind, checked.reason, warn);
      return undefined;
  }
}

async function locked<T>(file: string, warn: WarningHandler, fn: () => Promise<T>): Promise<T> {
  try {
    return await withFileLock(`${file}.lock`, fn, { onBreak: warn });
  } catch (error) {
    if (
      error instanceof CacheDirError || error instanceof CacheFormatError ||
      error instanceof TypeError || error instanceof RangeError
    ) throw error;
    throw new CacheDirError(path.dirname(file), (error as Error).message, { cause: error });
  }
}

/**
 * Loads the cache file of a device without taking the lock (writes are atomic renames, so a
 * read sees a whole file). `undefined` when there is none. A file that is not wholly valid is
 * re-read under the lock: with some invalid entries or trials it is repaired (the valid ones
 * kept, a copy of the original set aside as `<slug>.corrupt-<time>.json`), an unusable or foreign
 * one is moved aside (then `undefined`), each with one warning. A file of a newer format version
 * throws {@linkcode CacheFormatError} and is not touched.
 *
 * @example Load a device's file
 * ```ts
 * import { computeFingerprint } from "@wgtune/wgtune/gpu";
 * const fingerprint = await computeFingerprint({
 *   backend: "deno",
 *   runtime: "deno",
 *   adapter: { vendor: "", architecture: "", device: "", description: "example", driver: "", isFallbackAdapter: false },
 *   features: [],
 *   limits: {},
 * });
 * const dir = await Deno.makeTempDir();
 * import { loadCacheFile } from "./cache_file.ts";
 * const file = await loadCacheFile(`${dir}/dev.json`, fingerprint);
 * console.log(file); // undefined: there is none yet
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadCacheFile(
  file: string,
  fingerprint: DeviceFingerprint,
  options: CacheFileOptions = {},
): Promise<CacheFile | undefined> {
  const warn = options.onWarning ?? defaultWarn;
  const text = await readIfExists(file);
  if (text === undefined) return undefined;
  const checked = check(text, fingerprint);
  if (checked.kind === "valid") return checked.file;
  if (checked.kind === "newer") throw newerFileError(file, checked.version);
  return await locked(file, warn, () => readLocked(file, fingerprint, warn));
}

/** What an update callback of {@linkcode updateCacheFile} returns. */
export interface CacheFileUpdate<T> {
  /** Returned by `updateCacheFile`. */
  readonly value: T;
  /** Whether the (mutated) file is written back. */
  readonly write: boolean;
}

/**
 * Read-merge-write under the lock `<file>.lock`: reads the current file (an empty one when there
 * is none, or after moving an unusable or foreign one aside; only its valid entries and trials
 * when some are invalid), lets `update` change its entries, then writes it atomically when asked
 * to. I/O failures throw {@linkcode CacheDirError}; a file of a newer format version throws
 * {@linkcode CacheFormatError} and is left as it is; errors of `update` pass through.
 *
 * @example Count entries under the lock
 * ```ts
 * import { computeFingerprint } from "@wgtune/wgtune/gpu";
 * const fingerprint = await computeFingerprint({
 *   backend: "deno",
 *   runtime: "deno",
 *   adapter: { vendor: "", architecture: "", device: "", description: "example", driver: "", isFallbackAdapter: false },
 *   features: [],
 *   limits: {},
 * });
 * const dir = await Deno.makeTempDir();
 * import { updateCacheFile } from "./cache_file.ts";
 * const count = await updateCacheFile(`${dir}/dev.json`, fingerprint, (file) => ({
 *   value: Object.keys(file.entries).length,
 *   write: false,
 * }));
 * console.log(count); // 0
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function updateCacheFile<T>(
  file: string,
  fingerprint: DeviceFingerprint,
  update: (content: CacheFile) => CacheFileUpdate<T>,
  options: CacheFileOptions = {},
): Promise<T> {
  const warn = options.onWarning ?? defaultWarn;
  return await locked(file, warn, async () => {
    const content = (await readLocked(file, fingerprint, warn)) ?? emptyCacheFile(fingerprint);
    const { value, write } = update(content);
    if (write) {
      try {
        await writeFileAtomic(file, serializeCacheFile({ ...content, fingerprint }));
      } catch (error) {
        throw new CacheDirError(
          path.dirname(file),
          `cannot write '${file}': ${(error as Error).message}`,
          { cause: error },
        );
      }
    }
    return value;
  });
}
