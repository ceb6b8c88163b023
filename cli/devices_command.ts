/**
 * `wgtune devices`: opens each WebGPU implementation wgtune supports (Deno's built-in wgpu, then
 * Dawn) on its own and reports the adapter, or why it is unavailable.
 *
 * @module
 */
import { openDevice } from "../gpu/device.ts";
import type { AdapterSummary } from "../gpu/fingerprint.ts";
import { EXIT_OK, oneLine } from "./errors.ts";
import { writeOut } from "./io.ts";
import { SCHEMA_VERSION, TOOL } from "./report.ts";

/** One implementation in the `wgtune devices --json` document. */
export interface DeviceEntryJson {
  /** The `--backend` value that selects it: `"deno"` or `"dawn"`. */
  readonly backend: "deno" | "dawn";
  /** True when an adapter and a device could be opened. */
  readonly available: boolean;
  /** Why not, when unavailable; else `null`. */
  readonly error: string | null;
  /** The implementation actually opened (`"deno"`, `"dawn-vulkan"`, `"dawn-opengles"`). */
  readonly runtimeBackend?: string;
  /** Adapter identity (vendor, architecture, description, isFallbackAdapter, ...). */
  readonly adapter?: AdapterSummary;
  /** Enabled device features, sorted. */
  readonly features?: readonly string[];
  /** Kernel-relevant device limits. */
  readonly limits?: Readonly<Record<string, number>>;
  /** Cache fingerprint. */
  readonly fingerprint?: { readonly hash: string; readonly slug: string };
}

/** The document `wgtune devices --json` prints. */
export interface DevicesReportJson {
  /** Layout version. */
  readonly schemaVersion: number;
  /** Tool name and version. */
  readonly tool: typeof TOOL;
  /** One entry per implementation. */
  readonly devices: readonly DeviceEntryJson[];
}

/** Probes one implementation. */
async function probe(backend: "deno" | "dawn"): Promise<DeviceEntryJson> {
  try {
    const gpu = await openDevice({ backend });
    try {
      return {
        backend,
        available: true,
        error: null,
        runtimeBackend: gpu.backend,
        adapter: gpu.info,
        features: gpu.features,
        limits: gpu.limits,
        fingerprint: { hash: gpu.fingerprint.hash, slug: gpu.fingerprint.slug },
      };
    } finally {
      gpu.close();
    }
  } catch (error) {
    return { backend, available: false, error: oneLine(error) };
  }
}

function describe(entry: DeviceEntryJson): string {
  if (!entry.available || !entry.adapter) {
    return `${entry.backend}: unavailable: ${entry.error}\n`;
  }
  const a = entry.adapter;
  const limits = entry.limits ?? {};
  const lines = [
    `${entry.backend}: ${entry.runtimeBackend} — ${
      a.description || a.device || "(no description)"
    }`,
    `  vendor: ${a.vendor || "-"}  architecture: ${a.architecture || "-"}  device: ${
      a.device || "-"
    }  fallback adapter: ${a.isFallbackAdapter ? "yes" : "no"}`,
    `  features: ${entry.features?.length ? entry.features.join(", ") : "(none)"}`,
    `  limits: ${Object.entries(limits).map(([name, value]) => `${name}=${value}`).join(" ")}`,
    `  fingerprint: ${entry.fingerprint?.slug} (hash ${entry.fingerprint?.hash})`,
  ];
  return `${lines.join("\n")}\n`;
}

/** Runs `wgtune devices` and returns the exit code (0 even when no implementation works). */
export async function devicesCommand(options: { json?: boolean }): Promise<number> {
  const devices = [await probe("deno"), await probe("dawn")];
  if (options.json) {
    const report: DevicesReportJson = { schemaVersion: SCHEMA_VERSION, tool: TOOL, devices };
    writeOut(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    writeOut(devices.map(describe).join("\n"));
  }
  return EXIT_OK;
}
