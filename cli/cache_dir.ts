/**
 * Where the CLI keeps its cache: `--cache-dir`, else the library's `defaultCacheDir()`
 * (`$WGTUNE_CACHE_DIR`, else `$XDG_CACHE_HOME/wgtune`, else `~/.cache/wgtune`).
 *
 * @module
 */
import { defaultCacheDir } from "../cache/mod.ts";
import { UsageError } from "./errors.ts";

/** The cache directory from the `--cache-dir` option, or the default one. */
export function cacheDirOption(option: string | undefined): string {
  if (option === undefined) return defaultCacheDir();
  if (option.trim() === "") {
    throw new UsageError("'--cache-dir' must be a directory path: current value is ''");
  }
  return option;
}
