import assert from "node:assert/strict";
import { GPU_AVAILABLE } from "../tests/gpu_fixture.ts";
import { cliEnv, MAIN, RUN, tempCacheDir } from "./_run.ts";

const BACKEND = Deno.env.get("WGTUNE_TEST_BACKEND") ?? "auto";

Deno.test({
  name:
    "wgtune tune stops on SIGINT and within --time-limit, when the float64 reference takes minutes",
  ignore: !GPU_AVAILABLE || Deno.build.os === "windows",
  async fn() {
    const { dir, cleanup } = await tempCacheDir();
    // Attention over 60,000 positions: its reference takes minutes on a CPU.
    const tune = (extra: string[], isolation: string) =>
      new Deno.Command(Deno.execPath(), {
        args: [
          ...RUN,
          MAIN,
          "tune",
          "--op",
          "attention",
          "--shape",
          "B1,H1,S60000,D64",
          "--isolation",
          isolation,
          "--backend",
          BACKEND,
          "--cache-dir",
          dir,
          ...extra,
        ],
        env: cliEnv(),
        clearEnv: true,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    try {
      for (const isolation of ["none", "process"]) {
        const interrupted = tune(["--candidate-timeout", "600", "--time-limit", "600"], isolation);
        const stderr = new Response(interrupted.stderr).text();
        const stdout = new Response(interrupted.stdout).text();
        // SIGINT three seconds after start, while the reference is being computed; a run that
        // does not end within a minute more ignored it (then it is killed).
        let ignored = false;
        const timer = setTimeout(() => interrupted.kill("SIGINT"), 3000);
        const watchdog = setTimeout(() => {
          ignored = true;
          interrupted.kill("SIGKILL");
        }, 63_000);
        const status = await interrupted.status;
        clearTimeout(timer);
        clearTimeout(watchdog);
        await stdout;
        assert.equal(ignored, false, `${isolation}: SIGINT was ignored`);
        assert.equal(status.code, 130, `${isolation}: ${await stderr}`);
      }
      const limited = tune(["--candidate-timeout", "600", "--time-limit", "2"], "none");
      const watchdog = setTimeout(() => limited.kill("SIGKILL"), 60_000);
      const [status, , err] = await Promise.all([
        limited.status,
        new Response(limited.stdout).text(),
        new Response(limited.stderr).text(),
      ]);
      clearTimeout(watchdog);
      assert.equal(status.signal, null, "the time limit did not stop the run");
      assert.notEqual(status.code, 130, err);
      assert.doesNotMatch(err, /wgtune: error/);
    } finally {
      await cleanup().catch(() => {});
    }
  },
});
