/**
 * The options of `loadKernel`, in a file of their own so that the argument checks (`_check.ts`)
 * and `kernel_handle.ts` both read them without importing each other.
 *
 * @module
 */
import type { Config } from "../core/types.ts";

/** Options of `loadKernel` (and of the ops built on it). */
export interface LoadKernelOptions {
  /** Use exactly this config. */
  config?: Config;
  /**
   * Cache directory holding tuned configs; `null` skips the lookup and uses the default config.
   * @default {defaultCacheDir()}
   */
  cacheDir?: string | null;
  /**
   * When the cache has no tuned config for this exact problem, use the best config of the nearest
   * tuned problem of the same family (problems compared by the log-distance of their sizes), if
   * that config is legal for this problem; `source` is then `"nearest"`.
   * @default {false}
   */
  nearest?: boolean;
}
