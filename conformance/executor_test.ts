import assert from "node:assert/strict";
import { cacheFilePath } from "../cache/cache_file.ts";
import { GPU_AVAILABLE, testGpu } from "../tests/gpu_fixture.ts";
import { gpuExecutor, referenceExecutor } from "./executor.ts";

const inputs = [
  { name: "a", data: new Float32Array([1, 2]) },
  { name: "b", data: new Float32Array([3, 4]) },
];

Deno.test({
  name: "gpuExecutor() never opens the user's cache, when the default cache dir holds a file",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const dir = await Deno.makeTempDir({ prefix: "wgtune-executor-test-" });
    const previous = Deno.env.get("WGTUNE_CACHE_DIR");
    // A corrupt cache file for this device: opening the cache would set it aside (rename it).
    const file = cacheFilePath(dir, gpu.fingerprint);
    await Deno.writeTextFile(file, "{ not a cache file");
    Deno.env.set("WGTUNE_CACHE_DIR", dir);
    try {
      const c = await gpuExecutor(gpu).run("matmul", { m: 1, n: 1, k: 2 }, inputs);
      assert.deepEqual(Array.from(c), [11]);
      const names = [];
      for await (const entry of Deno.readDir(dir)) names.push(entry.name);
      assert.deepEqual(names, [file.slice(dir.length + 1)], "the cache directory was touched");
      assert.equal(await Deno.readTextFile(file), "{ not a cache file");
    } finally {
      if (previous === undefined) Deno.env.delete("WGTUNE_CACHE_DIR");
      else Deno.env.set("WGTUNE_CACHE_DIR", previous);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("referenceExecutor() evaluates the family's float64 reference", async () => {
  const c = await referenceExecutor().run("matmul", { m: 1, n: 1, k: 2 }, inputs);
  assert.deepEqual(Array.from(c), [11]);
});
