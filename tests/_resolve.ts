/**
 * Private to the test tooling: resolving a relative import specifier against the importing file,
 * both as repository-relative paths (no URL, no file system).
 *
 * @module
 */

/**
 * The repository-relative path that `spec` (relative, like `"../core/types.ts"`) names when
 * imported from `from`.
 *
 * @example
 * ```ts
 * import { resolveImport } from "./_resolve.ts";
 * console.log(resolveImport("kernels/matmul/reference.ts", "../../core/random.ts"));
 * // "core/random.ts"
 * ```
 */
export function resolveImport(from: string, spec: string): string {
  const parts = from.split("/").slice(0, -1);
  for (const p of spec.split("/")) {
    if (p === "." || p === "") continue;
    if (p === "..") parts.pop();
    else parts.push(p);
  }
  return parts.join("/");
}
