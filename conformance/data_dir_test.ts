import assert from "node:assert/strict";
import { CONFORMANCE_DIR_ENV, conformanceDir, missingConformanceData } from "./data_dir.ts";

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
