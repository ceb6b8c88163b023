/**
 * Where the tuning cache lives by default.
 *
 * @module
 */
import path from "node:path";
import { CacheDirError } from "./errors.ts";

/**
 * The default cache directory for an environment and operating system (pure, for tests and
 * tools): `WGTUNE_CACHE_DIR` if set, else `$XDG_CACHE_HOME/wgtune` (an absolute
 * `XDG_CACHE_HOME` only, as the XDG spec asks), else `~/Library/Caches/wgtune` on macOS,
 * `%LOCALAPPDATA%\wgtune` on Windows and `~/.cache/wgtune` elsewhere.
 *
 * Throws {@linkcode CacheDirError} when the home directory is needed but unknown.
 *
 * @example Resolve for a Linux environment
 * ```ts
 * import { resolveCacheDir } from "./dir.ts";
 * console.log(resolveCacheDir({ HOME: "/home/ada" }, "linux")); // "/home/ada/.cache/wgtune"
 * console.log(resolveCacheDir({ HOME: "/home/ada", WGTUNE_CACHE_DIR: "/data/wg" }, "linux")); // "/data/wg"
 * ```
 */
export function resolveCacheDir(
  env: Readonly<Record<string, string | undefined>>,
  os: typeof Deno.build.os,
): string {
  const set = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value === "" ? undefined : value;
  };
  const explicit = set("WGTUNE_CACHE_DIR");
  if (explicit !== undefined) return explicit;
  const paths = os === "windows" ? path.win32 : path.posix;
  const xdg = set("XDG_CACHE_HOME");
  if (xdg !== undefined && paths.isAbsolute(xdg)) return paths.join(xdg, "wgtune");
  if (os === "windows") {
    const local = set("LOCALAPPDATA");
    if (local !== undefined) return paths.join(local, "wgtune");
    const profile = set("USERPROFILE");
    if (profile !== undefined) return paths.join(profile, "AppData", "Local", "wgtune");
    throw new CacheDirError(
      "%LOCALAPPDATA%\\wgtune",
      "neither LOCALAPPDATA nor USERPROFILE is set; set WGTUNE_CACHE_DIR",
    );
  }
  const home = set("HOME");
  if (home === undefined) {
    throw new CacheDirError("~/.cache/wgtune", "HOME is not set; set WGTUNE_CACHE_DIR");
  }
  return os === "darwin"
    ? paths.join(home, "Library", "Caches", "wgtune")
    : paths.join(home, ".cache", "wgtune");
}

/**
 * The default cache directory of this process: {@linkcode resolveCacheDir} of the environment.
 * Needs `--allow-env`.
 *
 * @example Where this process caches
 * ```ts
 * import { defaultCacheDir } from "./dir.ts";
 * console.log(defaultCacheDir()); // for example "/home/ada/.cache/wgtune"
 * ```
 */
export function defaultCacheDir(): string {
  const env: Record<string, string | undefined> = {};
  for (
    const name of ["WGTUNE_CACHE_DIR", "XDG_CACHE_HOME", "HOME", "LOCALAPPDATA", "USERPROFILE"]
  ) {
    env[name] = Deno.env.get(name);
  }
  return resolveCacheDir(env, Deno.build.os);
}
