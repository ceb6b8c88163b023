/**
 * The on-disk text of a cache file: indented JSON that stays diff- and grep-friendly, with each
 * trial, config and other flat object on one line.
 *
 * @module
 */
import type { CacheFile } from "./types.ts";

/** Objects and arrays this deep (root = 0) are written on one line. */
const COMPACT_DEPTH = 4;

function isFlat(value: object): boolean {
  return Object.values(value).every((item) => item === null || typeof item !== "object");
}

function format(value: unknown, indent: string, depth: number): string {
  if (value === null || typeof value !== "object" || depth >= COMPACT_DEPTH) {
    return JSON.stringify(value) ?? "null";
  }
  // Flat values, and objects inside an entry (best, problem, configs), fit on one line.
  if ((depth >= 2 && isFlat(value)) || (depth === 3 && !Array.isArray(value))) {
    return JSON.stringify(value);
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const items = value.map((item) => `${inner}${format(item, inner, depth + 1)}`);
    return `[\n${items.join(",\n")}\n${indent}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).filter((key) =>
    record[key] !== undefined && typeof record[key] !== "function"
  );
  if (keys.length === 0) return "{}";
  const fields = keys.map((key) =>
    `${inner}${JSON.stringify(key)}: ${format(record[key], inner, depth + 1)}`
  );
  return `{\n${fields.join(",\n")}\n${indent}}`;
}

/**
 * Serializes a cache file: JSON, indented at the top levels, one line per trial, and a final
 * newline. Non-finite numbers become `null`, as in `JSON.stringify`.
 *
 * @example Serialize an empty file
 * ```ts
 * import { serializeCacheFile } from "./serialize.ts";
 * import { computeFingerprint } from "../gpu/fingerprint.ts";
 * const fingerprint = await computeFingerprint({
 *   backend: "deno",
 *   runtime: "deno",
 *   adapter: { vendor: "", architecture: "", device: "", description: "example", driver: "", isFallbackAdapter: false },
 *   features: [],
 *   limits: {},
 * });
 * const text = serializeCacheFile({ format: "wgtune-cache", formatVersion: 1, fingerprint, entries: {} });
 * console.log(JSON.parse(text).format); // "wgtune-cache"
 * ```
 */
export function serializeCacheFile(file: CacheFile): string {
  return `${format(file, "", 0)}\n`;
}
