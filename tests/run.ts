/**
 * The test command (`deno task test`): runs the whole suite and ends with one summary line in
 * Deno's format, `ok | N passed (S steps) | M failed | K ignored`, counted over every run.
 *
 * Why not one `deno test`: onnxruntime-node keeps one native environment per process and destroys
 * it when the first isolate that loaded it closes; a second test module that uses it in the same
 * process then fails with "OrtEnv already destroyed" and the process segfaults. So every module
 * whose imports reach onnxruntime-node (found by following relative imports) runs in a `deno test`
 * process of its own, and everything else runs in one `deno test --parallel` process. At most two
 * processes run at once.
 *
 * Usage: `deno run -A tests/run.ts [root...]` (default roots: the project's source folders).
 *
 * @module
 */
import { resolveImport } from "./_resolve.ts";

const ROOTS = [
  "tests/",
  "core/",
  "gpu/",
  "kernels/",
  "search/",
  "tuner/",
  "cache/",
  "ops/",
  "cli/",
  "onnx/",
  "graph/",
  "runtime/",
  "conformance/",
  "mod.ts",
];
const ORT = "onnxruntime-node";

async function walk(root: string, out: string[]): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(root);
  } catch {
    return;
  }
  if (info.isFile) {
    if (root.endsWith(".ts")) out.push(root.replace(/^\.\//, ""));
    return;
  }
  for await (const entry of Deno.readDir(root)) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    await walk(`${root.replace(/\/$/, "")}/${entry.name}`, out);
  }
}

const importsCache = new Map<string, string[]>();
async function imports(file: string): Promise<string[]> {
  const known = importsCache.get(file);
  if (known) return known;
  let text = "";
  try {
    text = await Deno.readTextFile(file);
  } catch {
    importsCache.set(file, []);
    return [];
  }
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)].map((m) => m[1]!);
  const out = specs.map((s) => (s.startsWith(".") ? resolveImport(file, s) : s));
  importsCache.set(file, out);
  return out;
}

/** True when `file`'s relative imports reach onnxruntime-node. */
async function usesOrt(file: string, seen = new Set<string>()): Promise<boolean> {
  if (seen.has(file)) return false;
  seen.add(file);
  for (const dep of await imports(file)) {
    if (dep === ORT || dep.startsWith(`npm:${ORT}`)) return true;
    if (dep.endsWith(".ts") && await usesOrt(dep, seen)) return true;
  }
  return false;
}

/** A module (not a test, testdata script or worker) whose doc comments hold a runnable example. */
async function hasRunnableExample(file: string): Promise<boolean> {
  if (file.includes("/testdata/") || file.endsWith("_worker.ts") || file === "tests/run.ts") {
    return false;
  }
  return /```ts(?! ignore)/.test(await Deno.readTextFile(file));
}

interface Counts {
  passed: number;
  failed: number;
  ignored: number;
  steps: number;
  ok: boolean;
}

async function runDeno(args: string[]): Promise<Counts> {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const [out, status] = await Promise.all([child.output(), child.status]);
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  await Deno.stdout.write(new TextEncoder().encode(text));
  // deno-lint-ignore no-control-regex
  const plain = text.replace(/\x1b\[[0-9;]*m/g, "");
  const line = plain.split("\n").filter((l) => /^(ok|FAILED) \| \d+ passed/.test(l)).pop() ?? "";
  const num = (re: RegExp) => Number(re.exec(line)?.[1] ?? 0);
  const counts = {
    passed: num(/(\d+) passed/),
    failed: num(/(\d+) failed/),
    ignored: num(/(\d+) ignored/),
    steps: num(/passed \((\d+) steps?\)/),
    ok: status.success && line.startsWith("ok"),
  };
  if (!line || !status.success) {
    console.log(`tests/run: 'deno ${args.join(" ")}' exited with ${status.code}`);
    if (counts.failed === 0) counts.failed = 1;
  }
  return counts;
}

async function main(roots: string[]) {
  const files: string[] = [];
  for (const root of roots) await walk(root, files);
  const ort: string[] = [];
  for (const f of files.sort()) if (await usesOrt(f)) ort.push(f);
  const base = ["test", "--allow-all", "--doc"];
  const jobs: string[][] = [];
  // One `deno test` for the rest, given as files: `--ignore` is not honoured together with
  // `--doc`. A file named here runs as a test module, so other modules are named only when they
  // hold a runnable example (and never testdata scripts or worker entry points).
  const rest: string[] = [];
  for (const f of files) {
    if (ort.includes(f)) continue;
    if (f.endsWith("_test.ts") || await hasRunnableExample(f)) rest.push(f);
  }
  jobs.push([...base, "--parallel", ...rest]);
  // Only test files and files with doc examples need a run of their own.
  for (const f of ort) {
    if (f.endsWith("_test.ts") || await hasRunnableExample(f)) jobs.push([...base, f]);
  }
  const total: Counts = { passed: 0, failed: 0, ignored: 0, steps: 0, ok: true };
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const c = await runDeno(jobs[next++]!);
      total.passed += c.passed;
      total.failed += c.failed;
      total.ignored += c.ignored;
      total.steps += c.steps;
      total.ok &&= c.ok;
    }
  };
  await Promise.all([worker(), worker()]);
  const ok = total.ok && total.failed === 0;
  console.log(
    `\n${
      ok ? "ok" : "FAILED"
    } | ${total.passed} passed (${total.steps} steps) | ${total.failed} failed | ${total.ignored} ignored (${jobs.length} deno test runs)`,
  );
  Deno.exit(ok ? 0 : 1);
}

if (import.meta.main) await main(Deno.args.length ? Deno.args : ROOTS);
