import assert from "node:assert/strict";
import { mapLimit, runCli, tempCacheDir } from "./_run.ts";

Deno.test(
  "wgtune tune exits 2 with one 'unknown ...' line, when --op or --strategy names an Object.prototype member",
  async () => {
    const { dir, cleanup } = await tempCacheDir();
    const cases: Array<[string[], RegExp]> = [
      [["--op", "toString"], /^wgtune: error: unknown op 'toString': expected one of matmul/],
      [["--op", "constructor"], /^wgtune: error: unknown op 'constructor': expected one of/],
      [["--op", "__proto__"], /^wgtune: error: unknown op '__proto__': expected one of/],
      [
        ["--strategy", "hasOwnProperty"],
        /^wgtune: error: unknown strategy 'hasOwnProperty': expected one of grid/,
      ],
      [["--strategy", "valueOf"], /^wgtune: error: unknown strategy 'valueOf': expected one of/],
    ];
    try {
      const runs = await mapLimit(
        cases,
        2,
        ([args]) => runCli(["tune", ...args, "--shape", "8x8x8", "--cache-dir", dir]),
      );
      for (const [i, run] of runs.entries()) {
        const [args, message] = cases[i]!;
        assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
        assert.match(run.stderr, message, args.join(" "));
        assert.equal(run.stderr.trimEnd().split("\n").length, 1, run.stderr);
      }
    } finally {
      await cleanup().catch(() => {});
    }
  },
);
