/**
 * Shared GPU fixture for tests: one device per test process, and a flag that lets GPU tests skip
 * themselves (`ignore: !GPU_AVAILABLE`) on machines without any WebGPU adapter.
 *
 * @module
 */
import { type Gpu, openDevice } from "../gpu/device.ts";

let shared: Promise<Gpu> | undefined;

/** Opens (once) and returns the test device. Set `WGTUNE_TEST_BACKEND` to pick a backend. */
export function testGpu(): Promise<Gpu> {
  const backend = (Deno.env.get("WGTUNE_TEST_BACKEND") ?? "auto") as "auto" | "deno" | "dawn";
  shared ??= openDevice({ backend });
  return shared;
}

async function probe(): Promise<boolean> {
  try {
    await testGpu();
    return true;
  } catch {
    shared = undefined;
    return false;
  }
}

/** True when a WebGPU adapter could be opened; GPU tests use `ignore: !GPU_AVAILABLE`. */
export const GPU_AVAILABLE: boolean = await probe();
