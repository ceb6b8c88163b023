import assert from "node:assert/strict";
import { GPU_AVAILABLE } from "../tests/gpu_fixture.ts";
import { mapLimit, runCli, tempCacheDir } from "./_run.ts";
import { EXIT_BUG, EXIT_USAGE, reportError, UsageError } from "./errors.ts";

/** Asserts a user error: exit code 2 and exactly one `wgtune: error:` line without a stack. */
function assertUserError(run: { code: number; stderr: string }, pattern: RegExp): void {
  assert.equal(run.code, 2, run.stderr);
  const lines = run.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, run.stderr);
  assert.match(lines[0]!, /^wgtune: error: \S/);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(run.stderr, /\n\s+at |^\s+at /);
}

const BAD_TUNE_ARGS: ReadonlyArray<[string, string[], RegExp]> = [
  ["bad shape string", ["--shape", "8x8"], /shape.*'8x8'/],
  ["letters in a shape", ["--shape", "axbxc"], /shape/],
  ["zero size", ["--shape", "0x8x8"], /positive/],
  ["non-integer size", ["--shape", "8.5x8x8"], /shape/],
  ["negative size", ["--shape", "-8x8x8"], /-8x8x8/],
  ["unknown op", ["--op", "fft"], /unknown op 'fft'/],
  ["unknown strategy", ["--strategy", "psychic"], /unknown strategy 'psychic'/],
  ["unknown backend", ["--backend", "metal"], /--backend.*'metal'/],
  ["unknown dtype", ["--dtype", "f64"], /--dtype.*'f64'/],
  ["zero --max-evals", ["--max-evals", "0"], /--max-evals.*'0'/],
  ["negative --max-evals", ["--max-evals=-2"], /--max-evals.*'-2'/],
  ["non-integer --max-evals", ["--max-evals", "2.5"], /--max-evals.*'2.5'/],
  ["zero --time-limit", ["--time-limit", "0"], /--time-limit.*'0'/],
  ["non-numeric --candidate-timeout", ["--candidate-timeout", "soon"], /--candidate-timeout/],
  ["negative --seed", ["--seed=-1"], /--seed/],
  ["unknown option", ["--frobnicate"], /unknown option '--frobnicate'/],
  ["missing option value", ["--op"], /argument missing/],
  ["empty --cache-dir", ["--cache-dir", ""], /--cache-dir/],
  ["--fix of an unknown parameter", ["--fix", "width=4"], /unknown parameter "width"/],
  ["--fix with an unlisted value", ["--fix", "vec=3"], /--fix vec: "3" is not among/],
  ["malformed --fix", ["--fix", "vec"], /--fix must look like name=value/],
];

Deno.test("wgtune tune exits 2 with one error line for each class of bad input", async () => {
  const { dir, cleanup } = await tempCacheDir();
  try {
    const runs = await mapLimit(
      BAD_TUNE_ARGS,
      4,
      ([, args]) => runCli(["tune", "--cache-dir", dir, ...args]),
    );
    runs.forEach((run, i) => {
      const [name, , pattern] = BAD_TUNE_ARGS[i]!;
      try {
        assertUserError(run, pattern);
      } catch (error) {
        throw new Error(`${name}: ${(error as Error).message}`);
      }
      assert.equal(run.stdout, "", name);
    });
    // Nothing was written for rejected commands.
    await assert.rejects(() => Deno.stat(dir), Deno.errors.NotFound);
  } finally {
    await cleanup();
  }
});

Deno.test("wgtune exits 2 with one error line for an unknown command or cache misuse", async () => {
  const { dir, cleanup } = await tempCacheDir();
  try {
    const cases: Array<[string[], RegExp]> = [
      [["frobnicate"], /unknown command 'frobnicate'/],
      [["cache", "import", `${dir}/missing.json`, "--cache-dir", dir], /cannot read/],
      [["cache", "show", "--fingerprint", "xyz", "--cache-dir", dir], /--fingerprint/],
      [["cache", "clear", "--cache-dir", dir], /without --yes/],
      [["devices", "--all"], /unknown option '--all'/],
    ];
    const runs = await mapLimit(cases, 4, ([args]) => runCli(args));
    runs.forEach((run, i) => assertUserError(run, cases[i]![1]));
  } finally {
    await cleanup();
  }
});

Deno.test("wgtune cache import exits 2 for a file that is not a cache export", async () => {
  const { dir, cleanup } = await tempCacheDir();
  try {
    const notJson = `${dir}.txt`;
    await Deno.writeTextFile(notJson, "hello");
    const notCache = `${dir}.json`;
    await Deno.writeTextFile(notCache, JSON.stringify({ format: "something-else" }));
    assertUserError(
      await runCli(["cache", "import", notJson, "--cache-dir", dir]),
      /is not JSON/,
    );
    assertUserError(await runCli(["cache", "import", notCache, "--cache-dir", dir]), /format/);
  } finally {
    await cleanup();
  }
});

Deno.test({
  name: "wgtune tune exits 2 when the cache directory is not usable",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const file = await Deno.makeTempFile({ prefix: "wgtune-cli-test-" });
    try {
      const run = await runCli([
        "tune",
        "--shape",
        "8x8x8",
        "--max-evals",
        "1",
        "--backend",
        "deno",
        "--cache-dir",
        `${file}/cache`,
      ]);
      assert.equal(run.code, 2, run.stderr);
      const errors = run.stderr.split("\n").filter((line) => line.startsWith("wgtune: error:"));
      assert.equal(errors.length, 1, run.stderr);
      assert.match(errors[0]!, /cache directory .* is not usable/);
      assert.doesNotMatch(run.stderr, /\n\s+at /);
    } finally {
      await Deno.remove(file);
    }
  },
});

Deno.test("wgtune tune exits 2 when no adapter can be opened", async () => {
  // Deno's wgpu restricted to a backend Linux and macOS do not have: no adapter.
  const { dir, cleanup } = await tempCacheDir();
  try {
    const run = await runCli(
      ["tune", "--shape", "8x8x8", "--backend", "deno", "--cache-dir", dir],
      { DENO_WEBGPU_BACKEND: "dx12" },
    );
    assertUserError(run, /no WebGPU adapter found/);
  } finally {
    await cleanup();
  }
});

Deno.test("reportError() prints one line and returns 2 for user errors, 1 for bugs", () => {
  let text = "";
  const write = (t: string) => text += t;
  assert.equal(reportError(new UsageError("bad thing"), write), EXIT_USAGE);
  assert.equal(text, "wgtune: error: bad thing\n");
  text = "";
  assert.equal(reportError(new RangeError("'m' must be positive"), write), EXIT_USAGE);
  assert.equal(text, "wgtune: error: 'm' must be positive\n");
  text = "";
  const previous = Deno.env.get("WGTUNE_DEBUG");
  Deno.env.delete("WGTUNE_DEBUG");
  try {
    assert.equal(reportError(new Error("oops"), write), EXIT_BUG);
    assert.equal(text.split("\n").filter(Boolean).length, 1);
    assert.match(text, /^wgtune: error: oops .*WGTUNE_DEBUG=1/);
    text = "";
    Deno.env.set("WGTUNE_DEBUG", "1");
    assert.equal(reportError(new Error("oops"), write), EXIT_BUG);
    assert.match(text, /^wgtune: error: oops\nError: oops\n\s+at /);
  } finally {
    if (previous === undefined) Deno.env.delete("WGTUNE_DEBUG");
    else Deno.env.set("WGTUNE_DEBUG", previous);
  }
});
