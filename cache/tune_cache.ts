/**
 * The tuning cache of one device: look entries up, record trials as they finish.
 *
 * @module
 */
import path from "node:path";
import type { DeviceFingerprint } from "../gpu/fingerprint.ts";
import type { Config } from "../core/types.ts";
import type { TrialRecord } from "../core/trial.ts";
import {
  ensureCacheDir,
  findCacheFile,
  loadCacheFile,
  removeOrphanTempFiles,
  updateCacheFile,
  type WarningHandler,
} from "./cache_file.ts";
import { bestOf, entryKey, mergeTrials } from "./merge.ts";
import type { CacheEntry } from "./types.ts";
import { validateConfig, validateFingerprint, validateTrialRecord } from "./validate.ts";

/** Options of {@linkcode TuneCache.open}. */
export interface TuneCacheOptions {
  /**
   * Receives one line per warning (a corrupt or foreign file moved aside, a stale lock broken).
   * @default {(message) => console.warn(`wgtune: warning: ${message}`)}
   */
  onWarning?: (message: string) => void;
}

/** Identifies an entry, plus the problem it is about. */
export interface CacheEntryKey {
  /** Kernel family name. */
  readonly kernel: string;
  /** Kernel family version. */
  readonly kernelVersion: number;
  /** Problem key of the kernel family. */
  readonly problemKey: string;
  /** The normalized problem (stored as JSON; `undefined` keeps the stored one). */
  readonly problem: unknown;
}

/** What {@linkcode TuneCache.recordTrials} changes; absent fields keep their stored value. */
export interface CacheEntryPatch {
  /** Trials to merge in (a trial of a config already stored replaces it). */
  readonly trials?: readonly TrialRecord[];
  /** Strategy of this run. */
  readonly strategy?: string;
  /** Whether the search finished. */
  readonly complete?: boolean;
  /** The heuristic default config. */
  readonly defaultConfig?: Config;
  /** Median time of the default config in ms (`Infinity` when it failed: stored as `null`). */
  readonly defaultTimeMs?: number;
}

/** A JSON round trip of `value`, or a `TypeError` naming the argument. */
function jsonCopy(value: unknown, name: string): unknown {
  if (value === undefined) return undefined;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new TypeError(`'${name}' must be JSON data: ${(error as Error).message}`);
  }
  return text === undefined ? undefined : JSON.parse(text);
}

/**
 * The tuning cache of one device: the file `<dir>/<fingerprint.slug>.json` (or the file of the
 * same fingerprint hash under an older slug, see `findCacheFile`). Every read goes to the disk,
 * every write is a locked read-merge-write, so several processes can share it.
 *
 * @example Record trials, then look the entry up
 * ```ts
 * import { TuneCache } from "./mod.ts";
 * import { computeFingerprint } from "../gpu/fingerprint.ts";
 * const fingerprint = await computeFingerprint({
 *   backend: "deno",
 *   runtime: "deno-2.9.6",
 *   adapter: { vendor: "mesa", architecture: "", device: "0", description: "llvmpipe", driver: "", isFallbackAdapter: true },
 *   features: [],
 *   limits: { maxComputeInvocationsPerWorkgroup: 256 },
 * });
 * const dir = await Deno.makeTempDir();
 * const cache = await TuneCache.open(dir, fingerprint);
 * const key = { kernel: "matmul", kernelVersion: 1, problemKey: "f32_m64_n64_k64", problem: { m: 64, n: 64, k: 64 } };
 * await cache.recordTrials(key, { trials: [{ config: { tile: 8 }, status: "ok", timeMs: 2 }], strategy: "grid" });
 * await cache.recordTrials(key, { trials: [{ config: { tile: 16 }, status: "ok", timeMs: 1 }], complete: true });
 * const entry = await cache.get("matmul", 1, "f32_m64_n64_k64");
 * console.log(entry?.best); // { config: { tile: 16 }, timeMs: 1 }
 * console.log(await cache.get("matmul", 2, "f32_m64_n64_k64")); // undefined
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class TuneCache {
  /** Path of the cache file of this device. */
  readonly path: string;
  /** The device. */
  readonly fingerprint: DeviceFingerprint;
  readonly #onWarning: WarningHandler | undefined;

  private constructor(
    file: string,
    fingerprint: DeviceFingerprint,
    onWarning: WarningHandler | undefined,
  ) {
    this.path = file;
    this.fingerprint = fingerprint;
    this.#onWarning = onWarning;
  }

  /**
   * Opens the cache of a device in `dir`, creating the directory when needed. Throws
   * {@linkcode CacheDirError} when the directory cannot be created or written, and `TypeError`
   * or `RangeError` for a malformed fingerprint.
   *
   * @example Open the cache of a device
   * ```ts
   * import { defaultCacheDir, TuneCache } from "./mod.ts";
   * import { computeFingerprint } from "../gpu/fingerprint.ts";
   * const fingerprint = await computeFingerprint({
   *   backend: "deno",
   *   runtime: "deno",
   *   adapter: { vendor: "", architecture: "", device: "", description: "example", driver: "", isFallbackAdapter: false },
   *   features: [],
   *   limits: {},
   * });
   * const dir = await Deno.makeTempDir();
   * const cache = await TuneCache.open(dir, fingerprint); // usually TuneCache.open(defaultCacheDir(), ...)
   * console.log(cache.path.endsWith(`${fingerprint.slug}.json`)); // true
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  static async open(
    dir: string,
    fingerprint: DeviceFingerprint,
    options: TuneCacheOptions = {},
  ): Promise<TuneCache> {
    if (typeof dir !== "string" || dir === "") {
      throw new TypeError(
        `'dir' must be a non-empty path: current value is ${JSON.stringify(dir)}`,
      );
    }
    validateFingerprint(fingerprint, "fingerprint", "argument");
    const { onWarning } = options;
    if (onWarning !== undefined && typeof onWarning !== "function") {
      throw new TypeError(`'options.onWarning' must be a function: current value is ${onWarning}`);
    }
    await ensureCacheDir(dir);
    const file = await findCacheFile(path.resolve(dir), fingerprint);
    await removeOrphanTempFiles(file);
    return new TuneCache(file, fingerprint, onWarning);
  }

  /**
   * The entry of a kernel version and problem, read fresh from disk; `undefined` when there is
   * none (entries of other kernel versions are never returned).
   *
   * @example Use a tuned config
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
   * import { TuneCache } from "@wgtune/wgtune";
   * const cache = await TuneCache.open(dir, fingerprint);
   * const key = { kernel: "matmul", kernelVersion: 1, problemKey: "f32_m64_n64_k64", problem: null };
   * await cache.recordTrials(key, { trials: [{ config: { tile: 8 }, status: "ok", timeMs: 1 }], complete: true });
   * const entry = await cache.get("matmul", 1, "f32_m64_n64_k64");
   * if (entry?.complete && entry.best) console.log(entry.best.config); // { tile: 8 }
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async get(
    kernel: string,
    kernelVersion: number,
    problemKey: string,
  ): Promise<CacheEntry | undefined> {
    const key = entryKey(kernel, kernelVersion, problemKey);
    const file = await loadCacheFile(this.path, this.fingerprint, { onWarning: this.#onWarning });
    return file?.entries[key];
  }

  /**
   * Merges trials and fields into an entry (creating it when missing) under the lock, recomputes
   * its best config, writes the file atomically and returns the merged entry. Cheap enough to
   * call after every trial. Bad arguments throw `TypeError` or `RangeError` before anything is
   * written; I/O failures throw {@linkcode CacheDirError}.
   *
   * @example Record a failed trial
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
   * import { TuneCache } from "@wgtune/wgtune";
   * const cache = await TuneCache.open(dir, fingerprint);
   * const key = { kernel: "matmul", kernelVersion: 1, problemKey: "f32_m64_n64_k64", problem: null };
   * const entry = await cache.recordTrials(key, {
   *   trials: [{ config: { tile: 8 }, status: "timeout", timeMs: null, error: "over 10 s" }],
   * });
   * console.log(entry.trials.length); // 1
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async recordTrials(key: CacheEntryKey, patch: CacheEntryPatch): Promise<CacheEntry> {
    if (typeof key !== "object" || key === null) {
      throw new TypeError(`'key' must be an object: current value is ${key}`);
    }
    if (typeof patch !== "object" || patch === null) {
      throw new TypeError(`'patch' must be an object: current value is ${patch}`);
    }
    const { kernel, kernelVersion, problemKey } = key;
    const id = entryKey(kernel, kernelVersion, problemKey);
    const problem = jsonCopy(key.problem, "key.problem");
    if (patch.trials !== undefined && !Array.isArray(patch.trials)) {
      throw new TypeError(`'patch.trials' must be an array: current value is ${patch.trials}`);
    }
    const trials = (patch.trials ?? []).map((trial, i) =>
      jsonCopy(
        validateTrialRecord(trial, `patch.trials[${i}]`, "argument"),
        "patch.trials",
      ) as TrialRecord
    );
    if (patch.strategy !== undefined && typeof patch.strategy !== "string") {
      throw new TypeError(`'patch.strategy' must be a string: current value is ${patch.strategy}`);
    }
    if (patch.complete !== undefined && typeof patch.complete !== "boolean") {
      throw new TypeError(`'patch.complete' must be a boolean: current value is ${patch.complete}`);
    }
    const defaultConfig = patch.defaultConfig === undefined
      ? undefined
      : validateConfig(patch.defaultConfig, "patch.defaultConfig", "argument");
    const defaultTimeMs = patch.defaultTimeMs;
    if (
      defaultTimeMs !== undefined &&
      (typeof defaultTimeMs !== "number" || Number.isNaN(defaultTimeMs) || defaultTimeMs < 0)
    ) {
      throw new RangeError(
        `'patch.defaultTimeMs' must be a number >= 0 or Infinity: current value is ${defaultTimeMs}`,
      );
    }
    return await updateCacheFile(this.path, this.fingerprint, (file) => {
      const previous = file.entries[id];
      const merged = mergeTrials(previous?.trials ?? [], trials);
      const entry: CacheEntry = {
        ...previous,
        kernel,
        kernelVersion,
        problemKey,
        problem: problem ?? previous?.problem ?? null,
        trials: merged,
        best: bestOf(merged),
        defaultConfig: defaultConfig ?? previous?.defaultConfig ?? null,
        defaultTimeMs: defaultTimeMs === undefined
          ? previous?.defaultTimeMs ?? null
          : Number.isFinite(defaultTimeMs)
          ? defaultTimeMs
          : null,
        strategy: patch.strategy ?? previous?.strategy ?? "",
        complete: patch.complete ?? previous?.complete ?? false,
        updatedAt: new Date().toISOString(),
      };
      file.entries[id] = entry;
      return { value: entry, write: true };
    }, { onWarning: this.#onWarning });
  }

  /**
   * Every entry of this device, of every kernel version, read fresh from disk.
   *
   * @example List what is cached
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
   * import { TuneCache } from "@wgtune/wgtune";
   * const cache = await TuneCache.open(dir, fingerprint);
   * const key = { kernel: "matmul", kernelVersion: 1, problemKey: "f32_m64_n64_k64", problem: null };
   * await cache.recordTrials(key, { trials: [{ config: { tile: 8 }, status: "ok", timeMs: 1 }] });
   * for (const entry of await cache.entries()) console.log(entry.kernel, entry.problemKey);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async entries(): Promise<CacheEntry[]> {
    const file = await loadCacheFile(this.path, this.fingerprint, { onWarning: this.#onWarning });
    return file === undefined ? [] : Object.values(file.entries);
  }

  /**
   * Removes the entries of kernels listed in `kernelVersions` whose version is older than the
   * listed one, and returns how many were removed. Entries of unlisted kernels and of newer
   * versions (written by a newer wgtune sharing the directory) are kept.
   *
   * @example Drop results of old kernel versions
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
   * import { TuneCache } from "@wgtune/wgtune";
   * const cache = await TuneCache.open(dir, fingerprint);
   * const key = { kernel: "matmul", kernelVersion: 1, problemKey: "f32_m64_n64_k64", problem: null };
   * await cache.recordTrials(key, { trials: [{ config: { tile: 8 }, status: "ok", timeMs: 1 }] });
   * const removed = await cache.pruneStale({ matmul: 3, conv2d: 1 });
   * console.log(removed); // 1
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async pruneStale(kernelVersions: Readonly<Record<string, number>>): Promise<number> {
    if (typeof kernelVersions !== "object" || kernelVersions === null) {
      throw new TypeError(`'kernelVersions' must be an object: current value is ${kernelVersions}`);
    }
    for (const [kernel, version] of Object.entries(kernelVersions)) {
      if (!Number.isSafeInteger(version) || version < 0) {
        throw new RangeError(
          `'kernelVersions.${kernel}' must be an integer >= 0: current value is ${version}`,
        );
      }
    }
    return await updateCacheFile(this.path, this.fingerprint, (file) => {
      let removed = 0;
      for (const [key, entry] of Object.entries(file.entries)) {
        const current = Object.hasOwn(kernelVersions, entry.kernel)
          ? kernelVersions[entry.kernel]
          : undefined;
        if (current !== undefined && entry.kernelVersion < current) {
          delete file.entries[key];
          removed++;
        }
      }
      return { value: removed, write: removed > 0 };
    }, { onWarning: this.#onWarning });
  }
}
