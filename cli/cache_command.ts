/**
 * `wgtune cache ls|show|export|import|clear`: inspects and moves the per-device tuning cache.
 *
 * @module
 */
import path from "node:path";
import type { Command } from "commander";
import { parseCacheFileName, setAsideSlug } from "../cache/cache_file.ts";
import { clearCache, exportCache, importCache, listCacheFiles } from "../cache/mod.ts";
import type { CacheEntry, CacheFile } from "../cache/mod.ts";
import { KERNELS } from "../kernels/registry.ts";
import { cacheDirOption } from "./cache_dir.ts";
import { EXIT_OK, oneLine, UsageError } from "./errors.ts";
import { writeErr, writeOut } from "./io.ts";
import { finiteOrNull, SCHEMA_VERSION, TOOL } from "./report.ts";
import { formatConfig, formatMs, formatSpeedup, formatTable } from "./table.ts";

/** Options every `cache` subcommand takes. */
interface CommonOptions {
  cacheDir?: string;
  json?: boolean;
}

function currentKernelVersions(): Record<string, number> {
  return Object.fromEntries(
    Object.entries(KERNELS).map(([name, family]) => [name, family.version]),
  );
}

function warn(message: string): void {
  writeErr(`wgtune: warning: ${oneLine(message)}\n`);
}

function fingerprintOption(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9a-f]{16}$/.test(text)) {
    throw new UsageError(
      `'--fingerprint' must be 16 lower-case hex digits (see 'wgtune cache ls'): current value is '${text}'`,
    );
  }
  return text;
}

function json(value: unknown): void {
  writeOut(`${JSON.stringify(value, null, 2)}\n`);
}

/** `cache ls`: one row per cache file. */
async function ls(options: CommonOptions): Promise<number> {
  const dir = cacheDirOption(options.cacheDir);
  const files = await listCacheFiles(dir, { kernelVersions: currentKernelVersions() });
  if (options.json) {
    json({ schemaVersion: SCHEMA_VERSION, tool: TOOL, cacheDir: dir, files });
    return EXIT_OK;
  }
  if (files.length === 0) {
    writeOut(`no cache files in ${dir}\n`);
    return EXIT_OK;
  }
  writeOut(
    formatTable(
      [
        { header: "device" },
        { header: "hash" },
        { header: "entries", align: "right" },
        { header: "stale", align: "right" },
        { header: "trials", align: "right" },
        { header: "updated" },
        { header: "valid" },
      ],
      files.map((f) => [
        // A set-aside file is named by its file name: that is what 'cache import' takes.
        f.setAside === null ? f.slug : path.basename(f.path),
        f.hash,
        String(f.entries),
        String(f.staleEntries),
        String(f.trials),
        f.updatedAt ?? "-",
        `${f.setAside === null ? "" : `set aside (${f.setAside}), `}${
          f.valid ? "yes" : `no: ${f.reason}`
        }`,
      ]),
    ) + `\n`,
  );
  const aside = files.filter((f) => f.setAside !== null && f.entries > 0).length;
  if (aside > 0) {
    writeOut(
      `${aside} set-aside file(s) hold valid entries: recover them with ` +
        `'wgtune cache import ${path.join(dir, "<file>")}'\n`,
    );
  }
  return EXIT_OK;
}

/**
 * Throws a {@linkcode UsageError} when `file` is a cache file of `dir` (or a file set aside from
 * one): an export written there would overwrite the data it was exported from.
 */
async function refuseCacheFileTarget(file: string, dir: string): Promise<void> {
  const real = (p: string) => Deno.realPath(p).catch(() => path.resolve(p));
  const cacheDir = await real(dir);
  // The target as named, and where it leads when it is a link.
  const targets = [path.resolve(file), await real(file)];
  for (const target of targets) {
    const name = path.basename(target);
    if (parseCacheFileName(name) === undefined && setAsideSlug(name) === undefined) continue;
    if ((await real(path.dirname(target))) !== cacheDir) continue;
    throw new UsageError(
      `refusing to export into '${file}': it is a cache file of ${dir} and would be overwritten; write the export elsewhere`,
    );
  }
}

/** One entry of the `cache show --json` document. */
function entryJson(entry: CacheEntry) {
  return {
    op: entry.kernel,
    kernelVersion: entry.kernelVersion,
    problemKey: entry.problemKey,
    problem: entry.problem,
    best: entry.best
      ? { config: entry.best.config, timeMs: finiteOrNull(entry.best.timeMs) }
      : null,
    defaultConfig: entry.defaultConfig,
    defaultTimeMs: finiteOrNull(entry.defaultTimeMs),
    trials: entry.trials.length,
    strategy: entry.strategy,
    complete: entry.complete,
    updatedAt: entry.updatedAt,
  };
}

/** `cache show`: the entries of every valid file (or one device), optionally of one op. */
async function show(
  options: CommonOptions & { op?: string; fingerprint?: string },
): Promise<number> {
  const dir = cacheDirOption(options.cacheDir);
  const hash = fingerprintOption(options.fingerprint);
  const files = await exportCache(dir, {
    ...(hash === undefined ? {} : { fingerprintHash: hash }),
    onWarning: warn,
  });
  const select = (file: CacheFile) =>
    Object.values(file.entries)
      .filter((entry) => options.op === undefined || entry.kernel === options.op)
      .sort((a, b) =>
        a.kernel.localeCompare(b.kernel) || a.kernelVersion - b.kernelVersion ||
        a.problemKey.localeCompare(b.problemKey)
      );
  if (options.json) {
    json({
      schemaVersion: SCHEMA_VERSION,
      tool: TOOL,
      cacheDir: dir,
      devices: files.map((file) => ({
        fingerprint: { hash: file.fingerprint.hash, slug: file.fingerprint.slug },
        backend: file.fingerprint.fields.backend,
        adapter: file.fingerprint.fields.adapter,
        entries: select(file).map(entryJson),
      })),
    });
    return EXIT_OK;
  }
  const rows: string[][] = [];
  for (const file of files) {
    for (const entry of select(file)) {
      rows.push([
        file.fingerprint.slug,
        `${entry.kernel}@v${entry.kernelVersion}`,
        entry.problemKey,
        formatMs(entry.defaultTimeMs),
        formatMs(entry.best?.timeMs),
        formatSpeedup(
          entry.best && entry.defaultTimeMs !== null
            ? entry.defaultTimeMs / entry.best.timeMs
            : NaN,
        ),
        String(entry.trials.length),
        entry.complete ? "yes" : "no",
        formatConfig(entry.best?.config),
      ]);
    }
  }
  if (rows.length === 0) {
    writeOut(`no cache entries in ${dir}${options.op ? ` for op '${options.op}'` : ""}\n`);
    return EXIT_OK;
  }
  writeOut(
    formatTable(
      [
        { header: "device" },
        { header: "op" },
        { header: "problem" },
        { header: "default ms", align: "right" },
        { header: "best ms", align: "right" },
        { header: "speedup", align: "right" },
        { header: "trials", align: "right" },
        { header: "complete" },
        { header: "best config" },
      ],
      rows,
    ) + "\n",
  );
  return EXIT_OK;
}

/** `cache export [file]`: a JSON array of cache files, on stdout or into `file`. */
async function exportTo(
  file: string | undefined,
  options: CommonOptions & { fingerprint?: string },
): Promise<number> {
  const dir = cacheDirOption(options.cacheDir);
  const hash = fingerprintOption(options.fingerprint);
  const toStdout = file === undefined || file === "-";
  if (!toStdout) await refuseCacheFileTarget(file, dir);
  const files = await exportCache(dir, {
    ...(hash === undefined ? {} : { fingerprintHash: hash }),
    onWarning: warn,
  });
  const text = `${JSON.stringify(files, null, 2)}\n`;
  if (toStdout) {
    writeOut(text);
    return EXIT_OK;
  }
  try {
    await Deno.writeTextFile(file, text);
  } catch (error) {
    throw new UsageError(`cannot write '${file}': ${oneLine(error)}`);
  }
  const entries = files.reduce((sum, f) => sum + Object.keys(f.entries).length, 0);
  writeErr(`wgtune: exported ${files.length} device(s), ${entries} entries to ${file}\n`);
  return EXIT_OK;
}

/** `cache import <file>`: merges an exported file (or one cache file) into the cache. */
async function importFrom(file: string, options: CommonOptions): Promise<number> {
  const dir = cacheDirOption(options.cacheDir);
  let text: string;
  try {
    text = file === "-"
      ? await new Response(Deno.stdin.readable).text()
      : await Deno.readTextFile(file);
  } catch (error) {
    throw new UsageError(`cannot read '${file}': ${oneLine(error)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`'${file}' is not JSON: ${oneLine(error)}`);
  }
  const result = await importCache(dir, data, { onWarning: warn });
  if (options.json) {
    json({ schemaVersion: SCHEMA_VERSION, tool: TOOL, cacheDir: dir, imported: result });
  } else {
    writeOut(
      `imported ${result.entries} entries (${result.trials} trials) into ${result.files} cache file(s) in ${dir}${
        result.dropped > 0 ? `; dropped ${result.dropped} invalid record(s)` : ""
      }\n`,
    );
  }
  return EXIT_OK;
}

/** Asks on the terminal; false on anything but y/yes. */
function confirm(question: string): boolean {
  const answer = prompt(`${question} [y/N]`);
  return answer !== null && /^y(es)?$/i.test(answer.trim());
}

/**
 * `cache clear`: removes the cache files (of one device with `--fingerprint`). Without `--yes` it
 * asks on a terminal and refuses when stdin is not one (scripts, CI), so nothing is removed by
 * accident.
 */
async function clear(
  options: CommonOptions & { fingerprint?: string; yes?: boolean },
): Promise<number> {
  const dir = cacheDirOption(options.cacheDir);
  const hash = fingerprintOption(options.fingerprint);
  const what = hash === undefined ? "every cache file" : `the cache files of device ${hash}`;
  if (!options.yes) {
    if (!Deno.stdin.isTerminal()) {
      throw new UsageError(
        `refusing to remove ${what} in ${dir} without --yes (stdin is not a terminal)`,
      );
    }
    if (!confirm(`remove ${what} in ${dir}?`)) {
      writeErr("wgtune: nothing removed\n");
      return EXIT_OK;
    }
  }
  const removed = await clearCache(dir, hash === undefined ? {} : { fingerprintHash: hash });
  if (options.json) {
    json({ schemaVersion: SCHEMA_VERSION, tool: TOOL, cacheDir: dir, removed });
  } else {
    writeOut(`removed ${removed} file(s) from ${dir}\n`);
  }
  return EXIT_OK;
}

/** Adds the `cache` command and its subcommands to `program` (inheriting its output settings). */
export function addCacheCommands(program: Command, setExitCode: (code: number) => void): void {
  const cache = program.command("cache")
    .description("inspect, export, import or clear the per-device tuning cache");
  const common = (command: Command) =>
    command
      .option(
        "--cache-dir <dir>",
        "cache directory (default: $WGTUNE_CACHE_DIR or ~/.cache/wgtune)",
      )
      .option("--json", "print one JSON document");
  common(
    cache.command("ls").description(
      "list the cache files and the files set aside from them: device, entries, trials, validity",
    ),
  )
    .action(async (o: CommonOptions) => setExitCode(await ls(o)));
  common(cache.command("show").description("print the cached entries: problem, best config, times"))
    .option("--op <name>", "only entries of this op")
    .option("--fingerprint <hash>", "only this device (16 hex digits, see 'cache ls')")
    .action(async (o: CommonOptions & { op?: string; fingerprint?: string }) =>
      setExitCode(await show(o))
    );
  common(
    cache.command("export").argument("[file]", "output file (default: stdout)")
      .description("write the cache as JSON (an array of cache files)"),
  )
    .option("--fingerprint <hash>", "only this device")
    .action(async (file: string | undefined, o: CommonOptions & { fingerprint?: string }) =>
      setExitCode(await exportTo(file, o))
    );
  common(
    cache.command("import").argument("<file>", "a file written by 'cache export' ('-': stdin)")
      .description(
        "merge exported cache files, or a set-aside file listed by 'cache ls', into the cache " +
          "(trials are merged, not replaced; invalid records are dropped with a warning)",
      ),
  ).action(async (file: string, o: CommonOptions) => setExitCode(await importFrom(file, o)));
  common(cache.command("clear").description("remove cache files"))
    .option("--fingerprint <hash>", "only this device")
    .option("--yes", "do not ask; required when stdin is not a terminal")
    .action(async (o: CommonOptions & { fingerprint?: string; yes?: boolean }) =>
      setExitCode(await clear(o))
    );
}
