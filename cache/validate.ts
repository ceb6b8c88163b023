/**
 * Validation of cache data: whole files as loaded from disk or imported, and the trials, configs
 * and fingerprints callers hand to the cache. Strict on the shapes wgtune writes, lenient with
 * unknown extra fields (they are kept).
 *
 * @module
 */
import type { DeviceFingerprint } from "../gpu/fingerprint.ts";
import type { Config, ParamValue } from "../core/types.ts";
import { isTrialStatus, TRIAL_STATUSES } from "../core/trial.ts";
import type { TrialRecord } from "../core/trial.ts";
import { CacheFormatError } from "./errors.ts";
import { bestOf, entryKey } from "./merge.ts";
import {
  CACHE_FORMAT,
  CACHE_FORMAT_VERSION,
  type CacheBest,
  type CacheEntry,
  type CacheFile,
} from "./types.ts";

/**
 * Who is validated: `"file"` data (loaded or imported: every problem is a
 * {@linkcode CacheFormatError}) or an `"argument"` of a caller (`TypeError` for a wrong type,
 * `RangeError` for a value out of range).
 */
export type ValidationMode = "file" | "argument";

const HASH = /^[0-9a-f]{16}$/;
const SLUG = /^(?:[a-z0-9]+-)*[0-9a-f]{16}$/;

type Rec = Record<string, unknown>;

function isRecord(value: unknown): value is Rec {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function at(where: string, key: string | number): string {
  if (typeof key === "number") return `${where}[${key}]`;
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return where === "" ? key : `${where}.${key}`;
  return `${where}[${JSON.stringify(key)}]`;
}

class Checker {
  constructor(readonly mode: ValidationMode) {}

  fail(where: string, expected: string, value: unknown, range = false): never {
    const message = `${where === "" ? "the content" : `'${where}'`} must be ${expected}: got ${
      show(value)
    }`;
    if (this.mode === "file") throw new CacheFormatError(message);
    throw range ? new RangeError(message) : new TypeError(message);
  }

  record(value: unknown, where: string): Rec {
    if (!isRecord(value)) this.fail(where, "an object", value);
    return value;
  }

  string(value: unknown, where: string, nonEmpty = false): string {
    if (typeof value !== "string") this.fail(where, "a string", value);
    if (nonEmpty && value === "") this.fail(where, "a non-empty string", value, true);
    return value;
  }

  boolean(value: unknown, where: string): boolean {
    if (typeof value !== "boolean") this.fail(where, "a boolean", value);
    return value;
  }

  /** A finite number >= 0. */
  time(value: unknown, where: string): number {
    if (typeof value !== "number") this.fail(where, "a number", value);
    if (!Number.isFinite(value) || value < 0) {
      this.fail(where, "a finite number >= 0", value, true);
    }
    return value;
  }

  /** `null`, or a finite number >= 0; `Infinity` (a failed run) becomes `null`. */
  optionalTime(value: unknown, where: string): number | null {
    if (value === null || value === Infinity) return null;
    return this.time(value, where);
  }

  integer(value: unknown, where: string): number {
    if (typeof value !== "number") this.fail(where, "a number", value);
    if (!Number.isSafeInteger(value) || value < 0) {
      this.fail(where, "an integer >= 0", value, true);
    }
    return value;
  }

  config(value: unknown, where: string): Config {
    const record = this.record(value, where);
    const config: Record<string, ParamValue> = {};
    for (const [name, param] of Object.entries(record)) {
      if (typeof param === "number") {
        if (!Number.isFinite(param)) this.fail(at(where, name), "a finite number", param, true);
      } else if (typeof param !== "string" && typeof param !== "boolean") {
        this.fail(at(where, name), "a number, string or boolean", param);
      }
      config[name] = param;
    }
    return config;
  }

  trial(value: unknown, where: string): TrialRecord {
    const record = this.record(value, where);
    const config = this.config(record.config, at(where, "config"));
    const status = record.status;
    if (!isTrialStatus(status)) {
      this.fail(at(where, "status"), `one of ${TRIAL_STATUSES.join(", ")}`, status);
    }
    let timeMs: number | null = null;
    if (status === "ok") timeMs = this.time(record.timeMs, at(where, "timeMs"));
    else this.optionalTime(record.timeMs ?? null, at(where, "timeMs")); // checked, then dropped
    const trial: Rec = { ...record, config, status, timeMs };
    for (const name of ["p20Ms", "p80Ms"]) {
      const quantile = record[name];
      if (quantile === undefined || quantile === null || quantile === Infinity) delete trial[name];
      else this.time(quantile, at(where, name));
    }
    if (record.error === undefined || record.error === null) delete trial.error;
    else this.string(record.error, at(where, "error"));
    // Winner confirmation marks a time that is a median of several timings (see `isConfirmed`).
    if (record.confirmed === undefined || record.confirmed === null) delete trial.confirmed;
    else this.boolean(record.confirmed, at(where, "confirmed"));
    return trial as unknown as TrialRecord;
  }

  fingerprint(value: unknown, where: string): DeviceFingerprint {
    const record = this.record(value, where);
    const hash = this.string(record.hash, at(where, "hash"));
    if (!HASH.test(hash)) this.fail(at(where, "hash"), "16 lower-case hex digits", hash, true);
    const slug = this.string(record.slug, at(where, "slug"));
    if (!SLUG.test(slug) || !slug.endsWith(hash)) {
      this.fail(at(where, "slug"), "lower-case words and dashes ending with the hash", slug, true);
    }
    const fieldsWhere = at(where, "fields");
    const fields = this.record(record.fields, fieldsWhere);
    this.string(fields.backend, at(fieldsWhere, "backend"));
    this.string(fields.runtime, at(fieldsWhere, "runtime"));
    const adapter = this.record(fields.adapter, at(fieldsWhere, "adapter"));
    for (const name of ["vendor", "architecture", "device", "description", "driver"]) {
      this.string(adapter[name], at(at(fieldsWhere, "adapter"), name));
    }
    this.boolean(adapter.isFallbackAdapter, at(at(fieldsWhere, "adapter"), "isFallbackAdapter"));
    const features = fields.features;
    if (!Array.isArray(features)) this.fail(at(fieldsWhere, "features"), "an array", features);
    features.forEach((feature, i) => this.string(feature, at(at(fieldsWhere, "features"), i)));
    const limits = this.record(fields.limits, at(fieldsWhere, "limits"));
    for (const [name, limit] of Object.entries(limits)) {
      if (typeof limit !== "number") {
        this.fail(at(at(fieldsWhere, "limits"), name), "a number", limit);
      }
    }
    return record as unknown as DeviceFingerprint;
  }

  best(value: unknown, where: string): CacheBest | null {
    if (value === null || value === undefined) return null;
    const record = this.record(value, where);
    return {
      ...record,
      config: this.config(record.config, at(where, "config")),
      timeMs: this.time(record.timeMs, at(where, "timeMs")),
    };
  }

  entry(value: unknown, where: string): CacheEntry {
    const record = this.record(value, where);
    const kernel = this.string(record.kernel, at(where, "kernel"), true);
    const kernelVersion = this.integer(record.kernelVersion, at(where, "kernelVersion"));
    const problemKey = this.string(record.problemKey, at(where, "problemKey"), true);
    const trialsWhere = at(where, "trials");
    if (!Array.isArray(record.trials)) this.fail(trialsWhere, "an array", record.trials);
    const trials = record.trials.map((trial, i) => this.trial(trial, at(trialsWhere, i)));
    const defaultConfig = record.defaultConfig === undefined || record.defaultConfig === null
      ? null
      : this.config(record.defaultConfig, at(where, "defaultConfig"));
    const updatedAt = record.updatedAt === undefined
      ? new Date(0).toISOString()
      : this.string(record.updatedAt, at(where, "updatedAt"));
    if (Number.isNaN(Date.parse(updatedAt))) {
      this.fail(at(where, "updatedAt"), "an ISO date", updatedAt, true);
    }
    return {
      ...record,
      kernel,
      kernelVersion,
      problemKey,
      problem: record.problem ?? null,
      trials,
      best: this.best(record.best, at(where, "best")),
      defaultConfig,
      defaultTimeMs: this.optionalTime(record.defaultTimeMs ?? null, at(where, "defaultTimeMs")),
      strategy: record.strategy === undefined
        ? ""
        : this.string(record.strategy, at(where, "strategy")),
      complete: record.complete === undefined
        ? false
        : this.boolean(record.complete, at(where, "complete")),
      updatedAt,
    };
  }

  /** An entry checked against the key it is stored under. */
  keyedEntry(raw: unknown, entriesWhere: string, key: string): CacheEntry {
    const entry = this.entry(raw, at(entriesWhere, key));
    let expected: string;
    try {
      expected = entryKey(entry.kernel, entry.kernelVersion, entry.problemKey);
    } catch (error) {
      this.fail(
        at(entriesWhere, key),
        "an entry with a valid kernel name",
        (error as Error).message,
      );
    }
    if (key !== expected) this.fail(at(entriesWhere, key), `keyed "${expected}"`, key, true);
    return entry;
  }

  /**
   * The valid part of an entry: without its invalid trials, with its invalid optional fields
   * reset to their defaults (`complete` to false, so the search runs again), and with its best
   * recomputed; or `undefined` when what identifies it (kernel, version, problem key, trials
   * array) is invalid. Each problem is pushed onto `dropped`.
   */
  salvageEntry(
    raw: unknown,
    entriesWhere: string,
    key: string,
    dropped: string[],
  ): CacheEntry | undefined {
    try {
      return this.keyedEntry(raw, entriesWhere, key);
    } catch (error) {
      if (!(error instanceof CacheFormatError)) throw error;
      if (!isRecord(raw) || !Array.isArray(raw.trials)) {
        dropped.push(`${error.message} (dropped the entry)`);
        return undefined;
      }
      const where = at(entriesWhere, key);
      const problems: string[] = [];
      /** Runs one check; false (with the problem noted) when it fails. */
      const passes = (check: () => unknown, then: string): boolean => {
        try {
          check();
          return true;
        } catch (fieldError) {
          if (!(fieldError instanceof CacheFormatError)) throw fieldError;
          problems.push(`${fieldError.message} (${then})`);
          return false;
        }
      };
      const trials = raw.trials.filter((trial, i) =>
        passes(() => this.trial(trial, at(at(where, "trials"), i)), "dropped the trial")
      );
      const repaired: Rec = { ...raw, trials, best: null };
      const optional: Record<string, (value: unknown, name: string) => unknown> = {
        best: (v, n) => this.best(v, n), // recomputed from the kept trials in any case
        defaultConfig: (v, n) => v === null || this.config(v, n),
        defaultTimeMs: (v, n) => this.optionalTime(v, n),
        strategy: (v, n) => this.string(v, n),
        complete: (v, n) => this.boolean(v, n),
        updatedAt: (v, n) => {
          if (Number.isNaN(Date.parse(this.string(v, n)))) this.fail(n, "an ISO date", v, true);
        },
      };
      for (const [name, check] of Object.entries(optional)) {
        if (raw[name] === undefined) continue;
        if (!passes(() => check(raw[name], at(where, name)), "reset the field")) {
          delete repaired[name];
        }
      }
      try {
        const entry = this.keyedEntry(repaired, entriesWhere, key);
        dropped.push(...problems);
        return { ...entry, best: bestOf(entry.trials) };
      } catch (entryError) {
        if (!(entryError instanceof CacheFormatError)) throw entryError;
        dropped.push(`${entryError.message} (dropped the entry)`);
        return undefined;
      }
    }
  }

  /**
   * A whole file. With `dropped`, invalid entries and trials are left out (each problem pushed
   * onto it) instead of failing the file; the format, version and fingerprint must be valid.
   */
  file(value: unknown, where: string, dropped?: string[]): CacheFile {
    const record = this.record(value, where);
    if (record.format !== CACHE_FORMAT) {
      this.fail(at(where, "format"), `"${CACHE_FORMAT}" (not a wgtune cache file)`, record.format);
    }
    if (record.formatVersion !== CACHE_FORMAT_VERSION) {
      const newer = typeof record.formatVersion === "number" &&
        record.formatVersion > CACHE_FORMAT_VERSION;
      this.fail(
        at(where, "formatVersion"),
        `${CACHE_FORMAT_VERSION}${newer ? " (written by a newer wgtune)" : ""}`,
        record.formatVersion,
      );
    }
    const fingerprint = this.fingerprint(record.fingerprint, at(where, "fingerprint"));
    const entriesWhere = at(where, "entries");
    const rawEntries = this.record(record.entries, entriesWhere);
    const entries: Record<string, CacheEntry> = {};
    for (const [key, raw] of Object.entries(rawEntries)) {
      const entry = dropped === undefined
        ? this.keyedEntry(raw, entriesWhere, key)
        : this.salvageEntry(raw, entriesWhere, key, dropped);
      if (entry !== undefined) entries[key] = entry;
    }
    return {
      ...record,
      format: CACHE_FORMAT,
      formatVersion: CACHE_FORMAT_VERSION,
      fingerprint,
      entries,
    };
  }
}

/** What {@linkcode salvageCacheFile} kept of a cache file. */
export interface SalvagedCacheFile {
  /** The valid entries, each with only its valid trials. */
  readonly file: CacheFile;
  /** One line per dropped entry or trial (empty when the whole file is valid). */
  readonly dropped: readonly string[];
}

/**
 * Validates a cache file like {@linkcode validateCacheFile}, but keeps what is valid: invalid
 * trials are dropped from their entry (whose best is then recomputed), invalid entries from the
 * file, each with a line in `dropped`. Throws {@linkcode CacheFormatError} only when the file
 * itself is unusable (not an object, another format or version, a bad fingerprint, no entries
 * object).
 *
 * @example Keep the valid trials of an entry
 * ```ts
 * import { salvageCacheFile } from "./validate.ts";
 * import { computeFingerprint } from "../gpu/fingerprint.ts";
 * const fingerprint = await computeFingerprint({
 *   backend: "deno",
 *   runtime: "deno",
 *   adapter: { vendor: "", architecture: "", device: "", description: "example", driver: "", isFallbackAdapter: false },
 *   features: [],
 *   limits: {},
 * });
 * const entry = {
 *   kernel: "matmul", kernelVersion: 1, problemKey: "p", problem: null,
 *   trials: [{ config: { x: 1 }, status: "ok", timeMs: 1 }, { config: { x: 2 }, status: "great", timeMs: 0 }],
 * };
 * const { file, dropped } = salvageCacheFile({
 *   format: "wgtune-cache", formatVersion: 1, fingerprint, entries: { "matmul@v1/p": entry },
 * });
 * console.log(file.entries["matmul@v1/p"]?.trials.length, dropped.length); // 1 1
 * ```
 */
export function salvageCacheFile(value: unknown, where = ""): SalvagedCacheFile {
  const dropped: string[] = [];
  const file = new Checker("file").file(value, where, dropped);
  return { file, dropped };
}

/**
 * The `formatVersion` of data that is a wgtune cache file of a newer format than this wgtune
 * reads, else `undefined`. Such a file belongs to a newer wgtune sharing the directory: it must
 * be left untouched.
 *
 * @example Recognize a newer file
 * ```ts
 * import { newerFormatVersion } from "./validate.ts";
 * console.log(newerFormatVersion({ format: "wgtune-cache", formatVersion: 7 })); // 7
 * console.log(newerFormatVersion({ format: "wgtune-cache", formatVersion: 1 })); // undefined
 * ```
 */
export function newerFormatVersion(value: unknown): number | undefined {
  if (!isRecord(value) || value.format !== CACHE_FORMAT) return undefined;
  const version = value.formatVersion;
  return typeof version === "number" && version > CACHE_FORMAT_VERSION ? version : undefined;
}

/**
 * Validates a whole cache file (as parsed JSON) and returns it with defaults filled in for
 * optional entry fields. `where` prefixes field names in messages (`"files[2]"`).
 *
 * @example Detect garbage
 * ```ts
 * import { validateCacheFile } from "./validate.ts";
 * try {
 *   validateCacheFile({ format: "wgtune-cache", formatVersion: 1, fingerprint: null, entries: {} });
 * } catch (error) {
 *   console.log((error as Error).message); // "'fingerprint' must be an object: got null"
 * }
 * ```
 */
export function validateCacheFile(value: unknown, where = ""): CacheFile {
  return new Checker("file").file(value, where);
}

/**
 * Validates one trial record and returns a normalized copy (`timeMs` of a failed trial becomes
 * `null`; absent quantiles and errors are dropped; extra fields are kept).
 *
 * @example Normalize a failed trial
 * ```ts
 * import { validateTrialRecord } from "./validate.ts";
 * const trial = validateTrialRecord({ config: { x: 1 }, status: "timeout", timeMs: Infinity }, "trial", "argument");
 * console.log(trial.timeMs); // null
 * ```
 */
export function validateTrialRecord(
  value: unknown,
  where: string,
  mode: ValidationMode,
): TrialRecord {
  return new Checker(mode).trial(value, where);
}

/**
 * Validates a config: an object of finite numbers, strings and booleans.
 *
 * @example Check a config
 * ```ts
 * import { validateConfig } from "./validate.ts";
 * console.log(validateConfig({ tile: 16, vec: true }, "config", "argument")); // { tile: 16, vec: true }
 * ```
 */
export function validateConfig(value: unknown, where: string, mode: ValidationMode): Config {
  return new Checker(mode).config(value, where);
}

/**
 * Validates a device fingerprint's shape: a 16-hex-digit hash, a filename-safe slug ending with
 * it, and the fields it was computed from.
 *
 * @example Refuse a malformed fingerprint
 * ```ts
 * import { validateFingerprint } from "./validate.ts";
 * try {
 *   validateFingerprint({ hash: "xyz" }, "fingerprint", "argument");
 * } catch (error) {
 *   console.log(error instanceof RangeError); // true
 * }
 * ```
 */
export function validateFingerprint(
  value: unknown,
  where: string,
  mode: ValidationMode,
): DeviceFingerprint {
  return new Checker(mode).fingerprint(value, where);
}
