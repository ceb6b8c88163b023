/**
 * Test fixtures of the cache tests: fingerprints of made-up devices and trial records.
 *
 * @module
 */
import { computeFingerprint, type DeviceFingerprint } from "../../gpu/fingerprint.ts";
import type { ParamValue } from "../../core/types.ts";
import type { TrialRecord } from "../../core/trial.ts";

/** The fingerprint of a made-up software device called `name`. */
export function testFingerprint(name: string): Promise<DeviceFingerprint> {
  return computeFingerprint({
    backend: "deno",
    runtime: "deno-2.9.6",
    adapter: {
      vendor: "test",
      architecture: "",
      device: name,
      description: `test device ${name}`,
      driver: "",
      isFallbackAdapter: true,
    },
    features: [],
    limits: { maxComputeInvocationsPerWorkgroup: 256 },
  });
}

/** A trial of config `{ tile }`: `"ok"` when `timeMs` is a number, else `"timeout"`. */
export function trial(tile: ParamValue, timeMs: number | null, extra = {}): TrialRecord {
  return timeMs === null
    ? { config: { tile }, status: "timeout", timeMs: null, error: "too slow", ...extra }
    : {
      config: { tile },
      status: "ok",
      timeMs,
      p20Ms: timeMs * 0.9,
      p80Ms: timeMs * 1.1,
      ...extra,
    };
}

/** Entry key fields of a matmul problem. */
export const MATMUL_KEY = {
  kernel: "matmul",
  kernelVersion: 1,
  problemKey: "f32_b1_m64_n64_k64",
  problem: { m: 64, n: 64, k: 64, dtype: "f32" },
} as const;

/** A temporary directory, removed when the returned object is disposed. */
export async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "wgtune-cache-test-" });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.chmod(path, 0o755).catch(() => {});
      await Deno.remove(path, { recursive: true }).catch(() => {});
    },
  };
}

/** The names in `dir`, sorted. */
export async function namesIn(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const item of Deno.readDir(dir)) names.push(item.name);
  return names.sort();
}

/** A warning collector for `onWarning`. */
export function warnings(): { messages: string[]; onWarning: (message: string) => void } {
  const messages: string[] = [];
  return { messages, onWarning: (message) => messages.push(message) };
}
