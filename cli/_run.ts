/**
 * Test helper: runs the CLI as a subprocess, the way a user does.
 *
 * @module
 */

/** What a CLI run printed and how it ended. */
export interface CliRun {
  /** Exit code. */
  readonly code: number;
  /** Everything printed on stdout. */
  readonly stdout: string;
  /** Everything printed on stderr. */
  readonly stderr: string;
}

/**
 * `deno run` flags of every CLI run. The parent test process has already set up `node_modules`;
 * `manual` keeps concurrent children from locking it (Deno would print "Blocking waiting for
 * file lock" on their stderr).
 */
export const RUN: readonly string[] = ["run", "-A", "--node-modules-dir=manual"];

/** Path of the CLI entry point. */
export const MAIN = new URL("./main.ts", import.meta.url).pathname;

/** Environment of every CLI run: no colors, and no inherited cache directory. */
export function cliEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env = Deno.env.toObject();
  delete env.WGTUNE_CACHE_DIR;
  delete env.WGTUNE_DEBUG;
  return { ...env, NO_COLOR: "1", ...extra };
}

/** Runs `deno run -A cli/main.ts ...args` and collects its output. */
export async function runCli(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<CliRun> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [...RUN, MAIN, ...args],
    env: cliEnv(env),
    clearEnv: true, // the variables cliEnv() drops must not come back by inheritance
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Makes a temporary cache directory path (not created) inside a fresh temporary directory. */
export async function tempCacheDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const root = await Deno.makeTempDir({ prefix: "wgtune-cli-test-" });
  return {
    dir: `${root}/cache`,
    cleanup: () => Deno.remove(root, { recursive: true }),
  };
}

/** Maps `items` through `fn` with at most `limit` calls in flight, keeping the order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
