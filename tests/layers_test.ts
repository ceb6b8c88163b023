/**
 * The layers of the project, as data, and the test that every import of every source file follows
 * them: a folder imports only itself and folders of lower layers; folders of one layer stand side by
 * side and never import each other; no two files import each other.
 *
 * Checked: every `.ts` file of the repository except test files (`*_test.ts`, which sit on top with
 * `tests/`), `testdata/` folders and `bench/`, and the `node_modules`/dot folders.
 *
 * @module
 */
import assert from "node:assert/strict";
import { resolveImport } from "./_resolve.ts";

/**
 * Top-level folders (and root files) from the bottom layer up. A folder may import the folders of
 * the layers before its own; the folders of one layer never import each other.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ["core"], // shared vocabulary: configs, spaces, trial records, RNG, tolerances, statistics
  ["gpu", "kernels", "search"], // device and dispatch · pure generators · strategies
  ["cache"],
  ["tuner"],
  ["ops"],
  ["onnx"],
  ["graph"],
  ["runtime"],
  ["cli"],
  ["tests"], // shared test fixtures
  ["conformance"],
  ["mod.ts"],
  ["bench"],
];

/** Folders (and files) whose imports are not checked. */
const SKIPPED = ["bench", "testdata", "node_modules"];

const IMPORT = new RegExp(
  String
    .raw`(?:^|[\s;])(?:import|export)\s*(?:type\s+)?(?:[\w*{}\s,$]*?\sfrom\s*)?["']([^"']+)["']` +
    String.raw`|\bimport\(\s*["']([^"']+)["']\s*\)`,
  "gm",
);

/** The relative import specifiers of a source text (comments removed first). */
export function importsOf(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const out: string[] = [];
  for (const match of code.matchAll(IMPORT)) {
    const spec = match[1] ?? match[2]!;
    if (spec.startsWith(".")) out.push(spec);
  }
  return out;
}

/** The layer entry a repository-relative path belongs to: its top folder, or the root file. */
function unitOf(path: string): string {
  return path.includes("/") ? path.slice(0, path.indexOf("/")) : path;
}

/**
 * Every violation of {@linkcode LAYERS} in a map of file → relative import specifiers: upward or
 * sideways imports between folders, folders missing from `LAYERS`, and pairs of files that import
 * each other. An empty list means the imports are one-way.
 */
export function layerViolations(
  imports: ReadonlyMap<string, readonly string[]>,
  layers: readonly (readonly string[])[] = LAYERS,
): string[] {
  const rank = new Map<string, number>();
  layers.forEach((units, i) => units.forEach((unit) => rank.set(unit, i)));
  const out: string[] = [];
  const edges = new Set<string>();
  for (const [file, specs] of imports) {
    const from = unitOf(file);
    for (const spec of specs) {
      const target = resolveImport(file, spec);
      if (!target.endsWith(".ts")) continue; // deno.json and other data files
      edges.add(`${file} ${target}`);
      const to = unitOf(target);
      if (from === to) continue;
      const a = rank.get(from);
      const b = rank.get(to);
      if (a === undefined || b === undefined) {
        out.push(`${file} imports ${target}: '${a === undefined ? from : to}' is not in LAYERS`);
      } else if (b >= a) {
        const how = b === a ? "beside" : "above";
        out.push(`${file} imports ${target}: '${to}' stands ${how} '${from}'`);
      }
    }
  }
  for (const edge of edges) {
    const [a, b] = edge.split(" ") as [string, string];
    if (a < b && edges.has(`${b} ${a}`)) out.push(`${a} and ${b} import each other`);
  }
  return out;
}

async function sourceFiles(dir: string, out: string[]): Promise<void> {
  for await (const entry of Deno.readDir(dir === "" ? "." : dir)) {
    const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
    if (entry.name.startsWith(".") || SKIPPED.includes(entry.name)) continue;
    if (entry.isDirectory) await sourceFiles(path, out);
    else if (entry.isFile && path.endsWith(".ts") && !path.endsWith("_test.ts")) out.push(path);
  }
}

const ROOT = new URL("../", import.meta.url);

Deno.test("layerViolations() finds no upward, sideways or mutual import, when run on the repository", async () => {
  const files: string[] = [];
  const cwd = Deno.cwd();
  Deno.chdir(ROOT);
  try {
    await sourceFiles("", files);
    const imports = new Map<string, string[]>();
    for (const file of files) imports.set(file, importsOf(await Deno.readTextFile(file)));
    assert.ok(files.includes("core/types.ts"), "the walk found the sources");
    assert.deepEqual(layerViolations(imports), []);
  } finally {
    Deno.chdir(cwd);
  }
});

Deno.test("layerViolations() names the import, when a folder imports one above or beside it", () => {
  const imports = new Map<string, string[]>([
    ["core/types.ts", []],
    ["kernels/matmul/reference.ts", ["../../core/random.ts", "../../search/space.ts"]],
    ["cache/merge.ts", ["../core/trial.ts", "../tuner/types.ts"]],
    ["quant/x.ts", ["../core/types.ts"]],
  ]);
  assert.deepEqual(layerViolations(imports), [
    "kernels/matmul/reference.ts imports search/space.ts: 'search' stands beside 'kernels'",
    "cache/merge.ts imports tuner/types.ts: 'tuner' stands above 'cache'",
    "quant/x.ts imports core/types.ts: 'quant' is not in LAYERS",
  ]);
});

Deno.test("layerViolations() names both files, when two files import each other", () => {
  const imports = new Map<string, string[]>([
    ["onnx/attribute.ts", ["./graph.ts"]],
    ["onnx/graph.ts", ["./attribute.ts", "../core/types.ts"]],
  ]);
  assert.deepEqual(layerViolations(imports), [
    "onnx/attribute.ts and onnx/graph.ts import each other",
  ]);
});

Deno.test("importsOf() reads static, type-only, re-export and dynamic imports, but not comments", () => {
  const source = [
    `import { a } from "./a.ts";`,
    `import type {`,
    `  B,`,
    `} from "../b.ts";`,
    `export * from "./c.ts";`,
    `export { d } from "./d.ts";`,
    `const e = await import("./e.ts");`,
    `import "./f.ts";`,
    `import x from "npm:x";`,
    `// import { g } from "./g.ts";`,
    `/** import { h } from "./h.ts"; */`,
  ].join("\n");
  assert.deepEqual(importsOf(source), [
    "./a.ts",
    "../b.ts",
    "./c.ts",
    "./d.ts",
    "./e.ts",
    "./f.ts",
  ]);
});
