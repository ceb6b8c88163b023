/**
 * The GPU device layer: opens a WebGPU device through Deno's built-in `navigator.gpu` (wgpu) or
 * through Dawn (`npm:webgpu`), and describes it with capabilities and a fingerprint.
 *
 * @module
 */
import type { DeviceCaps } from "../core/types.ts";
import {
  type AdapterSummary,
  computeFingerprint,
  type DeviceFingerprint,
  FINGERPRINT_LIMITS,
} from "./fingerprint.ts";

/** Which WebGPU implementation to use. `"auto"` tries Deno's, then Dawn's. */
export type BackendChoice = "auto" | "deno" | "dawn";

/** Options of {@linkcode openDevice}. */
export interface OpenDeviceOptions {
  /**
   * WebGPU implementation.
   * @default {"auto"}
   */
  backend?: BackendChoice;
  /**
   * Adapter power preference.
   * @default {"high-performance"}
   */
  powerPreference?: GPUPowerPreference;
}

/** An open WebGPU device with everything the tuner needs to know about it. */
export interface Gpu {
  /** The device. */
  readonly device: GPUDevice;
  /** `"deno"`, `"dawn-vulkan"`, `"dawn-opengles"`, ... */
  readonly backend: string;
  /** Adapter identity. */
  readonly info: AdapterSummary;
  /** Enabled device features, sorted. */
  readonly features: readonly string[];
  /** The device limits that matter to kernels. */
  readonly limits: Readonly<Record<string, number>>;
  /** Plain-scalar capabilities handed to kernel generators. */
  readonly caps: DeviceCaps;
  /** Whether GPU timestamps can be written at compute pass boundaries. */
  readonly hasTimestamps: boolean;
  /** Stable identity of adapter + runtime + features + limits. */
  readonly fingerprint: DeviceFingerprint;
  /**
   * True once {@linkcode Gpu.close} ran: every op then refuses the device with "the GPU device is
   * closed".
   */
  readonly closed: boolean;
  /** Destroys the device; `closed` becomes true. Closing twice is harmless. */
  close(): void;
  /**
   * Replaces a lost (or destroyed) device by a new one from the same backend, with the same
   * features and limits; `device` then returns the new one. Throws {@linkcode DeviceLostError}
   * when no device with the same fingerprint can be opened. Absent on devices not opened by
   * {@linkcode openDevice}.
   */
  reopen?(): Promise<void>;
}

/** Thrown by `Gpu.reopen()` when a lost device cannot be replaced by an identical one. */
export class DeviceLostError extends Error {
  /** Creates the error; `detail` says why no replacement could be opened. */
  constructor(detail: string) {
    super(`the GPU device was lost and could not be reopened: ${detail}`);
    this.name = "DeviceLostError";
  }
}

/** Thrown by {@linkcode openDevice} when no WebGPU adapter can be found. */
export class NoAdapterError extends Error {
  /** Creates the error with install advice. */
  constructor(detail: string) {
    super(
      `no WebGPU adapter found (${detail}). On a machine without a GPU install Mesa's software ` +
        `Vulkan driver: 'apt-get install -y mesa-vulkan-drivers libvulkan1' (Debian/Ubuntu), ` +
        `or run 'bash setup.sh'. With a GPU, install its Vulkan driver.`,
    );
    this.name = "NoAdapterError";
  }
}

const WANTED_FEATURES: readonly GPUFeatureName[] = ["timestamp-query", "shader-f16"];

/**
 * Mesa warns and some loaders fail without a private `XDG_RUNTIME_DIR`; create one when unset.
 */
function ensureRuntimeDir(): void {
  const current = Deno.env.get("XDG_RUNTIME_DIR");
  if (current) {
    try {
      if (Deno.statSync(current).isDirectory) return;
    } catch { /* fall through and make one */ }
  }
  const dir = Deno.makeTempDirSync({ prefix: "wgtune-xdg-" });
  Deno.chmodSync(dir, 0o700);
  Deno.env.set("XDG_RUNTIME_DIR", dir);
}

/** Dawn's GPU object must stay referenced for the process's lifetime or the process aborts. */
const dawnInstances: unknown[] = [];

async function dawnAdapter(): Promise<{ adapter: GPUAdapter; backend: string } | undefined> {
  if (!Deno.env.get("EGL_PLATFORM")) Deno.env.set("EGL_PLATFORM", "surfaceless");
  const { create, globals } = await import("webgpu");
  for (const key of Object.keys(globals)) {
    if (!(key in globalThis)) {
      (globalThis as Record<string, unknown>)[key] = (globals as Record<string, unknown>)[key];
    }
  }
  const attempts: Array<[string, GPURequestAdapterOptions]> = [
    ["vulkan", {}],
    ["opengles", { featureLevel: "compatibility" } as GPURequestAdapterOptions],
  ];
  for (const [name, options] of attempts) {
    const instance = create([`backend=${name}`]) as unknown as GPU;
    dawnInstances.push(instance);
    const adapter = await instance.requestAdapter(options).catch(() => null);
    if (adapter) return { adapter, backend: `dawn-${name}` };
  }
  return undefined;
}

async function denoAdapter(
  powerPreference: GPUPowerPreference,
): Promise<{ adapter: GPUAdapter; backend: string } | undefined> {
  if (!("gpu" in navigator) || !navigator.gpu) return undefined;
  const adapter = await navigator.gpu.requestAdapter({ powerPreference }).catch(() => null);
  return adapter ? { adapter, backend: "deno" } : undefined;
}

function summarize(adapter: GPUAdapter): AdapterSummary {
  const info = adapter.info as GPUAdapterInfo & { driver?: string };
  const legacy = adapter as GPUAdapter & { isFallbackAdapter?: boolean };
  return {
    vendor: String(info.vendor ?? ""),
    architecture: String(info.architecture ?? ""),
    device: String(info.device ?? ""),
    description: String(info.description ?? ""),
    driver: String(info.driver ?? ""),
    isFallbackAdapter: Boolean(
      (info as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? legacy.isFallbackAdapter,
    ),
  };
}

/** Copies the kernel-relevant device limits into plain capabilities. */
export function capsFromDevice(device: GPUDevice): DeviceCaps {
  const l = device.limits;
  return {
    maxInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    maxWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
    maxWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
    maxWorkgroupSizeZ: l.maxComputeWorkgroupSizeZ,
    maxWorkgroupStorageBytes: l.maxComputeWorkgroupStorageSize,
    maxWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
    maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
    maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    shaderF16: device.features.has("shader-f16"),
  };
}

/**
 * Opens a WebGPU device with `timestamp-query` and `shader-f16` enabled where the adapter has
 * them, and the adapter's maximum compute limits.
 *
 * @example Open the default device and print its fingerprint
 * ```ts
 * import { openDevice } from "@wgtune/wgtune";
 * const gpu = await openDevice();
 * console.log(gpu.backend, gpu.fingerprint.slug);
 * gpu.close();
 * ```
 */
export async function openDevice(options: OpenDeviceOptions = {}): Promise<Gpu> {
  const { backend = "auto", powerPreference = "high-performance" } = options;
  if (!["auto", "deno", "dawn"].includes(backend)) {
    throw new RangeError(`'backend' must be auto, deno or dawn: current value is '${backend}'`);
  }
  ensureRuntimeDir();
  let found: { adapter: GPUAdapter; backend: string } | undefined;
  if (backend === "auto" || backend === "deno") found = await denoAdapter(powerPreference);
  if (!found && (backend === "auto" || backend === "dawn")) {
    try {
      found = await dawnAdapter();
    } catch (error) {
      if (backend === "dawn") {
        throw new NoAdapterError(`Dawn (npm:webgpu) failed to load: ${(error as Error).message}`);
      }
    }
  }
  if (!found) throw new NoAdapterError(`backend '${backend}'`);
  const opened = await openOn(found);
  let device = opened.device;
  let closed = false;
  return {
    get device() {
      return device;
    },
    backend: found.backend,
    info: opened.info,
    features: opened.features,
    limits: opened.limits,
    caps: capsFromDevice(device),
    hasTimestamps: device.features.has("timestamp-query"),
    fingerprint: opened.fingerprint,
    get closed() {
      return closed;
    },
    close() {
      closed = true;
      device.destroy();
    },
    async reopen() {
      if (closed) throw new DeviceLostError("the device was closed");
      let again: { adapter: GPUAdapter; backend: string } | undefined;
      try {
        again = found.backend === "deno" ? await denoAdapter(powerPreference) : await dawnAdapter();
      } catch (error) {
        throw new DeviceLostError((error as Error).message);
      }
      if (!again || again.backend !== found.backend) {
        throw new DeviceLostError(`no '${found.backend}' adapter is available any more`);
      }
      const fresh = await openOn(again).catch((error: Error) => {
        throw new DeviceLostError(error.message);
      });
      if (fresh.fingerprint.hash !== opened.fingerprint.hash) {
        fresh.device.destroy();
        throw new DeviceLostError(
          `the new device differs (fingerprint ${fresh.fingerprint.hash}, expected ` +
            `${opened.fingerprint.hash})`,
        );
      }
      device.destroy();
      device = fresh.device;
    },
  };
}

/** Opens a device on `found`'s adapter with the wanted features and its maximum limits. */
async function openOn(found: { adapter: GPUAdapter; backend: string }): Promise<{
  device: GPUDevice;
  info: AdapterSummary;
  features: string[];
  limits: Record<string, number>;
  fingerprint: DeviceFingerprint;
}> {
  const { adapter } = found;
  const requiredFeatures = WANTED_FEATURES.filter((f) => adapter.features.has(f));
  const requiredLimits: Record<string, number> = {};
  for (const name of FINGERPRINT_LIMITS) {
    const value = (adapter.limits as unknown as Record<string, number>)[name];
    if (typeof value === "number") requiredLimits[name] = value;
  }
  const device = await adapter.requestDevice({ requiredFeatures, requiredLimits });
  const limits: Record<string, number> = {};
  for (const name of FINGERPRINT_LIMITS) {
    const value = (device.limits as unknown as Record<string, number>)[name];
    if (typeof value === "number") limits[name] = value;
  }
  const info = summarize(adapter);
  const features = [...device.features].map(String).sort();
  const fingerprint = await computeFingerprint({
    backend: found.backend,
    runtime: `deno-${Deno.version.deno}`,
    adapter: info,
    features,
    limits,
  });
  return { device, info, features, limits, fingerprint };
}
