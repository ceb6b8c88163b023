import assert from "node:assert/strict";
import { serializeCacheFile } from "./serialize.ts";
import type { CacheFile } from "./types.ts";
import { MATMUL_KEY, testFingerprint, trial } from "./testdata/fixtures.ts";

async function file(): Promise<CacheFile> {
  return {
    format: "wgtune-cache",
    formatVersion: 1,
    fingerprint: await testFingerprint("a"),
    entries: {
      "matmul@v1/f32_b1_m64_n64_k64": {
        ...MATMUL_KEY,
        trials: [trial(8, 1), trial(16, null), {
          config: { tile: 4 },
          status: "wrong",
          timeMs: Infinity,
        }],
        best: { config: { tile: 8 }, timeMs: 1 },
        defaultConfig: { tile: 8 },
        defaultTimeMs: null,
        strategy: "grid",
        complete: true,
        updatedAt: "2026-01-01T00:00:00.000Z",
      },
    },
  };
}

Deno.test("serializeCacheFile() writes JSON that parses back to the same data, with non-finite times as null", async () => {
  const data = await file();
  const parsed = JSON.parse(serializeCacheFile(data));
  const expected = JSON.parse(JSON.stringify(data));
  assert.deepEqual(parsed, expected);
  assert.equal(parsed.entries["matmul@v1/f32_b1_m64_n64_k64"].trials[2].timeMs, null);
});

Deno.test("serializeCacheFile() puts each trial and each config on one line, and ends with a newline", async () => {
  const text = serializeCacheFile(await file());
  const lines = text.split("\n");
  assert.equal(lines.at(-1), "");
  const trialLines = lines.filter((line) => line.includes('"status"'));
  assert.equal(trialLines.length, 3);
  for (const line of trialLines) {
    assert.doesNotThrow(() => JSON.parse(line.trim().replace(/,$/, "")), line);
  }
  assert.ok(lines.some((line) => line.trim() === '"defaultConfig": {"tile":8},'));
  assert.ok(lines.some((line) => line.trim() === '"best": {"config":{"tile":8},"timeMs":1},'));
  assert.ok(lines.some((line) => line.trim() === '"format": "wgtune-cache",'));
});
