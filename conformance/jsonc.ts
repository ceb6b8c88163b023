/**
 * JSON with comments (`//`, `/* *\/`) and trailing commas, as in ONNX Runtime Web's operator tests.
 *
 * @module
 */

/** Index just past the string literal that starts at `start` (a `"`). */
function skipString(text: string, start: number): number {
  let j = start + 1;
  while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
  return j + 1;
}

/** Replaces comments outside string literals with a space. */
function stripComments(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      const end = skipString(text, i);
      out += text.slice(i, end);
      i = end;
    } else if (text.startsWith("//", i)) {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (text.startsWith("/*", i)) {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) throw new SyntaxError(`unterminated comment at offset ${i}`);
      out += " ";
      i = end + 2;
    } else {
      out += text[i++];
    }
  }
  return out;
}

/** Drops commas (outside string literals) that are followed only by whitespace and `]` or `}`. */
function stripTrailingCommas(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      const end = skipString(text, i);
      out += text.slice(i, end);
      i = end;
      continue;
    }
    if (text[i] === ",") {
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j]!)) j++;
      if (text[j] === "]" || text[j] === "}") {
        i++;
        continue;
      }
    }
    out += text[i++];
  }
  return out;
}

/**
 * Parses JSONC text: comments outside strings are removed, trailing commas before `]` or `}` are
 * dropped, and the rest goes to `JSON.parse` (whose `SyntaxError` reports bad input).
 *
 * @example Parse a list with comments and a trailing comma
 * ```ts
 * import { parseJsonc } from "./jsonc.ts";
 * console.log(parseJsonc('[1, /* two *\/ 2, // three\n 3, // end\n]')); // [1, 2, 3]
 * ```
 */
export function parseJsonc(text: string): unknown {
  return JSON.parse(stripTrailingCommas(stripComments(text)));
}
