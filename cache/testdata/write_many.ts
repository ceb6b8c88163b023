/**
 * Test helper process: records `count` trials one call at a time, alternating between an entry of
 * its own and an entry shared with the other workers, all on the device `testFingerprint("shared")`.
 *
 * Usage: `deno run -A cache/testdata/write_many.ts <dir> <worker> <count>`
 *
 * @module
 */
import { TuneCache } from "../tune_cache.ts";
import { MATMUL_KEY, testFingerprint } from "./fixtures.ts";

const [dir, worker, count] = Deno.args;
if (dir === undefined || worker === undefined || count === undefined) {
  console.error("usage: write_many.ts <dir> <worker> <count>");
  Deno.exit(2);
}
const cache = await TuneCache.open(dir, await testFingerprint("shared"), {
  onWarning: (message) => console.error(`warning: ${message}`),
});
const own = { ...MATMUL_KEY, problemKey: `own_${worker}` };
const shared = { ...MATMUL_KEY, problemKey: "shared" };
for (let i = 0; i < Number(count); i++) {
  const timeMs = 1 + ((i * 7919 + Number(worker) * 104729) % 1000) / 100;
  const config = { worker: Number(worker), i };
  await cache.recordTrials(own, { trials: [{ config, status: "ok", timeMs }] });
  await cache.recordTrials(shared, {
    trials: [{ config, status: "ok", timeMs }],
    strategy: "grid",
  });
}
console.log("done");
