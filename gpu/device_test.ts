import assert from "node:assert/strict";
import { GPU_AVAILABLE, testGpu } from "../tests/gpu_fixture.ts";
import { DeviceLostError, openDevice } from "./device.ts";
import { computeFingerprint, type FingerprintFields } from "./fingerprint.ts";

const fields: FingerprintFields = {
  backend: "deno",
  runtime: "deno-2.9.6",
  adapter: {
    vendor: "65541",
    architecture: "",
    device: "0",
    description: "llvmpipe (LLVM 15.0.6, 256 bits)",
    driver: "",
    isFallbackAdapter: true,
  },
  features: ["timestamp-query", "shader-f16"],
  limits: { maxComputeInvocationsPerWorkgroup: 256, maxComputeWorkgroupStorageSize: 16384 },
};

Deno.test("computeFingerprint() is stable, order-insensitive for features, and readable", async () => {
  const a = await computeFingerprint(fields);
  const b = await computeFingerprint({ ...fields, features: ["shader-f16", "timestamp-query"] });
  assert.equal(a.hash, b.hash);
  assert.match(a.hash, /^[0-9a-f]{16}$/);
  assert.equal(a.slug, `deno-llvmpipe-llvm-15-0-6-256-bits-${a.hash}`);
});

Deno.test("computeFingerprint() changes with backend, limits, features and fallback flag", async () => {
  const base = (await computeFingerprint(fields)).hash;
  const variants: FingerprintFields[] = [
    { ...fields, backend: "dawn-vulkan" },
    { ...fields, runtime: "deno-2.9.7" },
    { ...fields, features: ["timestamp-query"] },
    { ...fields, limits: { ...fields.limits, maxComputeWorkgroupStorageSize: 32768 } },
    { ...fields, adapter: { ...fields.adapter, isFallbackAdapter: false } },
  ];
  for (const variant of variants) assert.notEqual((await computeFingerprint(variant)).hash, base);
});

Deno.test("openDevice() rejects an unknown backend with a RangeError", async () => {
  await assert.rejects(
    openDevice({ backend: "metal" as "deno" }),
    /'backend' must be auto, deno or dawn: current value is 'metal'/,
  );
});

Deno.test({
  name: "openDevice() describes the device with caps, features and a fingerprint",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    assert.ok(gpu.caps.maxInvocationsPerWorkgroup >= 64);
    assert.equal(gpu.caps.shaderF16, gpu.features.includes("shader-f16"));
    assert.equal(gpu.hasTimestamps, gpu.features.includes("timestamp-query"));
    assert.ok(gpu.fingerprint.slug.startsWith(gpu.backend.replace(/[^a-z0-9]+/g, "-")));
    assert.equal(gpu.fingerprint.fields.runtime, `deno-${Deno.version.deno}`);
  },
});

Deno.test({
  name:
    "Gpu.reopen() replaces a lost device by a working one with the same fingerprint, and refuses after close()",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const backend = (Deno.env.get("WGTUNE_TEST_BACKEND") ?? "auto") as "auto" | "deno" | "dawn";
    const gpu = await openDevice({ backend });
    const lost = gpu.device;
    lost.destroy();
    assert.equal((await lost.lost).reason, "destroyed");
    await gpu.reopen!();
    assert.notEqual(gpu.device, lost);
    // The new device works: a buffer round trip.
    const buffer = gpu.device.createBuffer({
      size: 4,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    const source = gpu.device.createBuffer({
      size: 4,
      usage: GPUBufferUsage.COPY_SRC,
      mappedAtCreation: true,
    });
    new Uint32Array(source.getMappedRange()).set([7]);
    source.unmap();
    const encoder = gpu.device.createCommandEncoder();
    encoder.copyBufferToBuffer(source, 0, buffer, 0, 4);
    gpu.device.queue.submit([encoder.finish()]);
    await buffer.mapAsync(GPUMapMode.READ);
    assert.equal(new Uint32Array(buffer.getMappedRange())[0], 7);
    buffer.unmap();
    gpu.close();
    await assert.rejects(gpu.reopen!(), DeviceLostError);
  },
});
