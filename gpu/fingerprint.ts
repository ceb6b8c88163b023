/**
 * Device fingerprints: a stable hash plus a readable slug naming the backend, runtime, adapter,
 * features and the limits that matter to kernels. Tuned configs are cached per fingerprint.
 *
 * @module
 */

/** Adapter identity as reported by the runtime (`GPUAdapterInfo`), normalized to strings. */
export interface AdapterSummary {
  /** Vendor name or PCI id. */
  readonly vendor: string;
  /** Architecture family, often empty. */
  readonly architecture: string;
  /** Device name or id. */
  readonly device: string;
  /** Human-readable description (for example `"llvmpipe (LLVM 15.0.6, 256 bits)"`). */
  readonly description: string;
  /** Driver description where the runtime exposes it, else `""`. */
  readonly driver: string;
  /** True for software or fallback adapters. */
  readonly isFallbackAdapter: boolean;
}

/** The plain fields a fingerprint is computed from. */
export interface FingerprintFields {
  /** `"deno"` (wgpu) or `"dawn"` plus its backend, for example `"dawn-opengles"`. */
  readonly backend: string;
  /** Runtime and version, for example `"deno-2.9.6"`. */
  readonly runtime: string;
  /** Adapter identity. */
  readonly adapter: AdapterSummary;
  /** Enabled features, sorted. */
  readonly features: readonly string[];
  /** The limits that matter to kernels, by name. */
  readonly limits: Readonly<Record<string, number>>;
}

/** A device fingerprint. */
export interface DeviceFingerprint {
  /** 16 hex digits of SHA-256 over the canonical JSON of {@linkcode FingerprintFields}. */
  readonly hash: string;
  /** Readable, filename-safe: backend, adapter description, and the hash. */
  readonly slug: string;
  /** What the hash was computed from. */
  readonly fields: FingerprintFields;
}

/** The `GPUSupportedLimits` names recorded in a fingerprint. */
export const FINGERPRINT_LIMITS: readonly string[] = [
  "maxComputeInvocationsPerWorkgroup",
  "maxComputeWorkgroupSizeX",
  "maxComputeWorkgroupSizeY",
  "maxComputeWorkgroupSizeZ",
  "maxComputeWorkgroupStorageSize",
  "maxComputeWorkgroupsPerDimension",
  "maxStorageBufferBindingSize",
  "maxStorageBuffersPerShaderStage",
  "maxBufferSize",
];

/** Canonical JSON: object keys sorted at every level. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.keys(value).sort().map((key) =>
      `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`
    );
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Longest name part of a slug, in characters. */
const SLUG_PART_MAX = 48;

/** 32-bit FNV-1a over the UTF-16 code units of `text`, as 8 hex digits (synchronous). */
function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}

/**
 * Lower-case, filename-safe form of a string: words of `a-z` and `0-9` joined by single dashes,
 * at most `max` characters, never starting or ending with a dash (`""` when nothing is left).
 * Accents are dropped (`"Pok\u00e9mon"` gives `"pokemon"`), other characters separate words. A text
 * that does not fit is cut at a word boundary and ends with 6 hex digits of a hash of the whole
 * text, so two long names sharing a prefix keep distinct slugs.
 *
 * @example Slugs of adapter descriptions
 * ```ts
 * import { slugify } from "./fingerprint.ts";
 * console.log(slugify("llvmpipe (LLVM 15.0.6, 256 bits)")); // "llvmpipe-llvm-15-0-6-256-bits"
 * console.log(slugify("\u663e\u5361 \u{1F680}")); // ""
 * console.log(slugify("ANGLE (NVIDIA, NVIDIA GeForce GTX 1650 Direct3D11 vs_5_0 ps_5_0, D3D11)").length <= 48); // true
 * ```
 */
export function slugify(text: string, max: number = SLUG_PART_MAX): string {
  if (!Number.isSafeInteger(max) || max < 8) {
    throw new RangeError(`'max' must be an integer >= 8: current value is ${max}`);
  }
  const words = String(text).normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
    .split(/[^a-z0-9]+/).filter((word) => word !== "");
  const full = words.join("-");
  if (full.length <= max) return full;
  const suffix = shortHash(String(text)).slice(0, 6);
  const room = max - suffix.length - 1;
  let head = "";
  for (const word of words) {
    const next = head === "" ? word : `${head}-${word}`;
    if (next.length > room) {
      // A single word longer than the room is cut; otherwise stop at the last whole word.
      if (head === "") head = word.slice(0, room);
      break;
    }
    head = next;
  }
  return `${head}-${suffix}`;
}

/**
 * Computes the fingerprint of a device from plain fields (no live GPU needed).
 *
 * @example
 * ```ts
 * import { computeFingerprint } from "@wgtune/wgtune/gpu";
 * const fp = await computeFingerprint({
 *   backend: "deno",
 *   runtime: "deno-2.9.6",
 *   adapter: { vendor: "mesa", architecture: "", device: "0", description: "llvmpipe", driver: "", isFallbackAdapter: true },
 *   features: ["shader-f16"],
 *   limits: { maxComputeInvocationsPerWorkgroup: 256 },
 * });
 * console.log(fp.slug); // "deno-llvmpipe-" followed by 16 hex digits
 * ```
 */
export async function computeFingerprint(fields: FingerprintFields): Promise<DeviceFingerprint> {
  const normalized: FingerprintFields = { ...fields, features: [...fields.features].sort() };
  const bytes = new TextEncoder().encode(canonicalJson(normalized));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const hash = [...digest.slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const name = slugify(
    fields.adapter.description || fields.adapter.device || fields.adapter.vendor,
  );
  const slug = [slugify(fields.backend), name, hash].filter((part) => part !== "").join("-");
  return { hash, slug, fields: normalized };
}
