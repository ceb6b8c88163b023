/**
 * Types of the per-device tuning cache: one JSON file per device fingerprint, holding one entry
 * per kernel, kernel version and problem, with every trial ever recorded for it.
 *
 * @module
 */
import type { DeviceFingerprint } from "../gpu/fingerprint.ts";
import type { Config } from "../core/types.ts";
import type { TrialRecord } from "../core/trial.ts";

/**
 * The format tag of a cache file.
 *
 * @example Recognize a cache file
 * ```ts
 * import { CACHE_FORMAT } from "./types.ts";
 * const data: unknown = JSON.parse('{"format":"wgtune-cache"}');
 * console.log((data as { format?: unknown }).format === CACHE_FORMAT); // true
 * ```
 */
export const CACHE_FORMAT = "wgtune-cache" as const;

/**
 * The format version this code reads and writes. Files of any other version are refused.
 *
 * @example The current version
 * ```ts
 * import { CACHE_FORMAT_VERSION } from "./types.ts";
 * console.log(CACHE_FORMAT_VERSION); // 1
 * ```
 */
export const CACHE_FORMAT_VERSION = 1 as const;

/** The fastest correct trial of an entry. */
export interface CacheBest {
  /** Its config. */
  readonly config: Config;
  /** Its median time in ms. */
  readonly timeMs: number;
}

/** Everything known about one kernel version on one problem on one device. */
export interface CacheEntry {
  /** Kernel family name, for example `"matmul"`. */
  readonly kernel: string;
  /** Kernel family version the configs were timed with. */
  readonly kernelVersion: number;
  /** Problem key of the kernel family. */
  readonly problemKey: string;
  /** The normalized problem, as plain JSON data (`null` when unknown). */
  readonly problem: unknown;
  /** Every trial ever recorded, merged across runs, one per config (the newer record wins). */
  readonly trials: readonly TrialRecord[];
  /** Fastest trial of status `"ok"`, recomputed from `trials` on every write. */
  readonly best: CacheBest | null;
  /** The kernel family's heuristic default config, when it was measured. */
  readonly defaultConfig: Config | null;
  /** Median time of `defaultConfig` in ms, `null` when unknown or when it failed. */
  readonly defaultTimeMs: number | null;
  /** Name of the strategy of the latest run (`""` when unknown). */
  readonly strategy: string;
  /** True once a search over this entry finished. */
  readonly complete: boolean;
  /** ISO date of the latest write. */
  readonly updatedAt: string;
}

/**
 * The content of one cache file, `<dir>/<fingerprint.slug>.json`. Entries are keyed by
 * `entryKey(kernel, kernelVersion, problemKey)`.
 */
export interface CacheFile {
  /** Always {@linkcode CACHE_FORMAT}. */
  readonly format: "wgtune-cache";
  /** Always {@linkcode CACHE_FORMAT_VERSION}. */
  readonly formatVersion: 1;
  /** The device every entry was measured on. */
  readonly fingerprint: DeviceFingerprint;
  /** Entries by `entryKey(...)`. */
  entries: Record<string, CacheEntry>;
}

/** What `listCacheFiles` reports about one cache file. */
export interface CacheFileSummary {
  /** Path of the file. */
  readonly path: string;
  /** The fingerprint slug, from the file name. */
  readonly slug: string;
  /** The fingerprint hash: from the content when it is valid, else from the file name. */
  readonly hash: string;
  /** Backend of the device (`null` when the file is not valid). */
  readonly backend: string | null;
  /** Adapter description of the device (`null` when the file is not valid). */
  readonly adapter: string | null;
  /** Number of valid entries (what `importCache` recovers from a file that is not wholly valid). */
  readonly entries: number;
  /** Number of valid trials over the valid entries. */
  readonly trials: number;
  /** Entries of a kernel version older than the current one (needs `kernelVersions`). */
  readonly staleEntries: number;
  /** Latest `updatedAt` of its entries, `null` when none. */
  readonly updatedAt: string | null;
  /** File size in bytes. */
  readonly bytes: number;
  /** True when the file can be read, validates, and belongs to the device its name says. */
  readonly valid: boolean;
  /** Why the file is not valid, `null` when it is. */
  readonly reason: string | null;
  /**
   * `null` for a cache file; for a file set aside from one, why: `"corrupt"` (unusable, or the
   * original of a partly invalid file) or `"foreign"` (another device's data under this name).
   */
  readonly setAside: "corrupt" | "foreign" | null;
  /** Invalid entries and trials that `importCache` would drop (0 when unreadable). */
  readonly invalidRecords: number;
}

/** What `importCache` merged. */
export interface ImportResult {
  /** Cache files written (one per device). */
  readonly files: number;
  /** Entries merged. */
  readonly entries: number;
  /** Valid trial records read from the input. */
  readonly trials: number;
  /** Invalid entries and trials left out of the input (each reported in a warning). */
  readonly dropped: number;
}
