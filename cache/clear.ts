/**
 * Removing cache files (`wgtune cache clear`).
 *
 * @module
 */
import path from "node:path";
import { parseCacheFileName, setAsideSlug } from "./cache_file.ts";
import { CacheDirError } from "./errors.ts";
import { withFileLock } from "./file_lock.ts";
import { checkFingerprintHash } from "./transfer.ts";

/** Options of {@linkcode clearCache}. */
export interface ClearCacheOptions {
  /**
   * Only the files of the device with this fingerprint hash (16 hex digits).
   * @default {undefined} (every device)
   */
  fingerprintHash?: string;
}

/**
 * Removes the cache files of `dir` (each under its lock), and the corrupt or foreign files set
 * aside from them, optionally for one device only; returns how many files were removed. Other
 * files in `dir` are never touched; a missing `dir` removes nothing.
 *
 * @example Clear a directory
 * ```ts
 * import { clearCache } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/deno-0123456789abcdef.json`, "{}");
 * await Deno.writeTextFile(`${dir}/notes.txt`, "keep me");
 * console.log(await clearCache(dir)); // 1
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function clearCache(dir: string, options: ClearCacheOptions = {}): Promise<number> {
  const { fingerprintHash } = options;
  if (fingerprintHash !== undefined) {
    checkFingerprintHash(fingerprintHash, "options.fingerprintHash");
  }
  const cacheFiles: string[] = [];
  const setAside: string[] = [];
  try {
    for await (const item of Deno.readDir(dir)) {
      if (!item.isFile) continue;
      const parsed = parseCacheFileName(item.name);
      const slug = parsed?.slug ?? setAsideSlug(item.name);
      if (slug === undefined) continue;
      if (fingerprintHash !== undefined && !slug.endsWith(fingerprintHash)) continue;
      (parsed !== undefined ? cacheFiles : setAside).push(path.join(dir, item.name));
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return 0;
    throw new CacheDirError(dir, (error as Error).message, { cause: error });
  }
  let removed = 0;
  const remove = async (file: string): Promise<void> => {
    try {
      await Deno.remove(file);
      removed++;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw new CacheDirError(dir, `cannot remove '${file}': ${(error as Error).message}`, {
        cause: error,
      });
    }
  };
  for (const file of cacheFiles) {
    try {
      await withFileLock(`${file}.lock`, () => remove(file));
    } catch (error) {
      if (error instanceof CacheDirError) throw error;
      throw new CacheDirError(dir, (error as Error).message, { cause: error });
    }
  }
  for (const file of setAside) await remove(file);
  return removed;
}
