import assert from "node:assert/strict";
import { GPU_AVAILABLE } from "../tests/gpu_fixture.ts";
import { runCli } from "./_run.ts";

Deno.test("wgtune devices --json lists both implementations with their adapters", async () => {
  const run = await runCli(["devices", "--json"]);
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  assert.equal(report.schemaVersion, 1);
  assert.equal(report.tool.name, "wgtune");
  assert.deepEqual(report.devices.map((d: { backend: string }) => d.backend), ["deno", "dawn"]);
  for (const device of report.devices) {
    assert.equal(typeof device.available, "boolean");
    if (device.available) {
      assert.equal(device.error, null);
      assert.equal(typeof device.runtimeBackend, "string");
      assert.equal(typeof device.adapter.description, "string");
      assert.equal(typeof device.adapter.isFallbackAdapter, "boolean");
      assert.ok(Array.isArray(device.features));
      assert.equal(typeof device.limits.maxComputeInvocationsPerWorkgroup, "number");
      assert.match(device.fingerprint.hash, /^[0-9a-f]{16}$/);
      assert.ok(device.fingerprint.slug.endsWith(device.fingerprint.hash));
    } else {
      assert.equal(typeof device.error, "string");
    }
  }
  if (GPU_AVAILABLE) assert.ok(report.devices.some((d: { available: boolean }) => d.available));
});
