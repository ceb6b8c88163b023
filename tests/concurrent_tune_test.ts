/**
 * Two `deno task tune` processes on one cache directory and one device lose no records.
 */
import assert from "node:assert/strict";
import { readCacheFile } from "../cache/mod.ts";
import { runCli, tempCacheDir } from "../cli/_run.ts";
import { GPU_AVAILABLE } from "./gpu_fixture.ts";

Deno.test({
  name: "two concurrent tune processes on one cache directory both keep every trial",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const { dir, cleanup } = await tempCacheDir();
    try {
      // Process A tunes two shapes, process B one of them plus another: one shared entry.
      const common = ["tune", "--cache-dir", dir, "--max-evals", "3", "--json"];
      const [a, b] = await Promise.all([
        runCli([...common, "--shape", "16x16x16", "--shape", "24x8x40", "--seed", "1"]),
        runCli([...common, "--shape", "16x16x16", "--shape", "9x31x7", "--seed", "2"]),
      ]);
      assert.equal(a.code, 0, a.stderr);
      assert.equal(b.code, 0, b.stderr);
      const reports = [JSON.parse(a.stdout), JSON.parse(b.stdout)];
      const files = [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".json"));
      assert.equal(files.length, 1, `one cache file per device: ${files.map((f) => f.name)}`);
      const cache = await readCacheFile(`${dir}/${files[0]!.name}`);
      const entries = Object.values(cache.entries);
      assert.deepEqual(
        entries.map((e) => e.problemKey).sort(),
        ["f32_b1_m16_n16_k16", "f32_b1_m24_n8_k40", "f32_b1_m9_n31_k7"].sort(),
      );
      // Every trial either process reported for a problem is in the cache.
      for (const report of reports) {
        for (const result of report.results) {
          const entry = entries.find((e) => e.problemKey === result.problemKey)!;
          const cachedKeys = new Set(entry.trials.map((t) => JSON.stringify(t.config)));
          assert.ok(entry.trials.length >= result.trials, `${result.problemKey}`);
          if (!result.fromCache) assert.ok(cachedKeys.size >= Math.min(3, result.trials));
        }
      }
    } finally {
      await cleanup();
    }
  },
});
