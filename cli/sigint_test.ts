import assert from "node:assert/strict";
import { GPU_AVAILABLE } from "../tests/gpu_fixture.ts";
import { cliEnv, MAIN, RUN, runCli, tempCacheDir } from "./_run.ts";

const BACKEND = Deno.env.get("WGTUNE_TEST_BACKEND") ?? "auto";

Deno.test({
  name: "wgtune tune exits 130 on SIGINT with a partial table and a valid cache",
  ignore: !GPU_AVAILABLE || Deno.build.os === "windows",
  async fn() {
    const { dir, cleanup } = await tempCacheDir();
    try {
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          ...RUN,
          MAIN,
          "tune",
          "--shape",
          "64x64x64",
          "96x96x96",
          "--max-evals",
          "1000",
          "--time-limit",
          "300",
          "--backend",
          BACKEND,
          "--cache-dir",
          dir,
        ],
        env: cliEnv(),
        clearEnv: true,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const stdout = new Response(child.stdout).text();
      // Send SIGINT once the first trial is reported (or after a minute, whatever comes first),
      // and keep draining stderr so that the child never writes into a closed or full pipe.
      let stderr = "";
      let signalled = false;
      const interrupt = () => {
        if (!signalled) child.kill("SIGINT");
        signalled = true;
      };
      const deadline = setTimeout(interrupt, 60_000);
      const drained = (async () => {
        const decoder = new TextDecoder();
        for await (const chunk of child.stderr) {
          stderr += decoder.decode(chunk, { stream: true });
          if (/trial 1\//.test(stderr)) interrupt();
        }
      })();
      const status = await child.status;
      clearTimeout(deadline);
      await drained;
      const out = await stdout;
      assert.equal(status.code, 130, stderr);
      assert.match(stderr, /interrupted/);
      assert.doesNotMatch(stderr, /wgtune: error/);
      assert.match(out, /^problem\s+default ms/);
      assert.match(out, /matmul 64x64x64 f32 .*partial/);

      const ls = await runCli(["cache", "ls", "--json", "--cache-dir", dir]);
      assert.equal(ls.code, 0, ls.stderr);
      const files = JSON.parse(ls.stdout).files;
      assert.equal(files.length, 1);
      assert.equal(files[0].valid, true);
      assert.ok(files[0].trials >= 2, `trials: ${files[0].trials}`);
    } finally {
      await cleanup();
    }
  },
});
