import assert from "node:assert/strict";
import {
  CONFORMANCE_DIR_ENV,
  conformanceDataStatus,
  conformanceDir,
  isCiRun,
  missingConformanceData,
} from "./data_dir.ts";

Deno.test("conformanceDir() defaults beside the repository and honours the environment", () => {
  const previous = Deno.env.get(CONFORMANCE_DIR_ENV);
  try {
    Deno.env.delete(CONFORMANCE_DIR_ENV);
    assert.equal(conformanceDir().href, new URL("../../shared/conformance/", import.meta.url).href);
    Deno.env.set(CONFORMANCE_DIR_ENV, "/tmp/elsewhere");
    assert.equal(conformanceDir().href, "file:///tmp/elsewhere/");
  } finally {
    if (previous === undefined) Deno.env.delete(CONFORMANCE_DIR_ENV);
    else Deno.env.set(CONFORMANCE_DIR_ENV, previous);
  }
});

Deno.test("missingConformanceData() names the missing folder and the variable", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const url = new URL(`file://${dir}/`);
    assert.match(missingConformanceData(url)!, /onnx-node\/ is missing .*WGTUNE_CONFORMANCE_DIR/);
    Deno.mkdirSync(`${dir}/onnx-node`);
    assert.match(missingConformanceData(url)!, /ort-web-ops\/ is missing/);
    Deno.mkdirSync(`${dir}/ort-web-ops`);
    assert.equal(missingConformanceData(url), undefined);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("isCiRun() is true for any CI value but empty, 0 and false", () => {
  for (const value of ["true", "TRUE", "1", "yes", "github"]) assert.equal(isCiRun(value), true);
  for (const value of ["", "0", "false", "False", " "]) {
    assert.equal(isCiRun(value), false, String(value));
  }
});

Deno.test("conformanceDataStatus() skips missing data locally and fails it under CI", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const url = new URL(`file://${dir}/`);
    assert.equal(conformanceDataStatus(url, false).state, "skip");
    const status = conformanceDataStatus(url, true);
    assert.equal(status.state, "error");
    assert.match(
      (status as { reason: string }).reason,
      /onnx-node\/ is missing .*CI is set, so missing conformance data fails the run/,
    );
    Deno.mkdirSync(`${dir}/onnx-node`);
    Deno.mkdirSync(`${dir}/ort-web-ops`);
    assert.deepEqual(conformanceDataStatus(url, true), { state: "present" });
    assert.deepEqual(conformanceDataStatus(url, false), { state: "present" });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

async function runSuite(env: Record<string, string>): Promise<{ code: number; output: string }> {
  const suite = new URL("./conformance_test.ts", import.meta.url).pathname;
  const base = Deno.env.toObject();
  delete base.CI;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", "--no-check", "--node-modules-dir=manual", suite],
    env: { ...base, NO_COLOR: "1", ...env },
    clearEnv: true, // else the child inherits CI from this process whatever `env` holds
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code: out.code, output: decoder.decode(out.stdout) + decoder.decode(out.stderr) };
}

Deno.test("the conformance suite fails under CI=true and skips otherwise, when its data is missing", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const env = { [CONFORMANCE_DIR_ENV]: `${dir}/nothing-here` };
    const ci = await runSuite({ ...env, CI: "true" });
    assert.notEqual(ci.code, 0, ci.output);
    assert.match(ci.output, /CI is set, so missing conformance data fails the run/);
    assert.match(ci.output, /FAILED \| 0 passed \| [12] failed/);
    const local = await runSuite(env);
    assert.equal(local.code, 0, local.output);
    assert.match(local.output, /conformance tests skipped: conformance data not found/);
    assert.match(local.output, /ok \| 0 passed \| 0 failed \| 2 ignored/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
