/**
 * Parsing of the conv2d CLI shape string.
 *
 * @module
 */
import { type Conv2dProblem, normalizeConv2dProblem } from "./problem.ts";

const FORMAT = "comma-separated fields such as 'N8,C64,H56,W56,K64,R3,S3,stride1,pad1'";

function bad(shape: string, detail: string): RangeError {
  return new RangeError(`'shape' must be ${FORMAT}: ${detail} in '${shape}'`);
}

function sizes(shape: string, token: string, text: string, counts: readonly number[]): number[] {
  const parts = text.split("x");
  if (!counts.includes(parts.length) || parts.some((part) => !/^\d+$/.test(part))) {
    const forms = counts.map((n) => Array.from({ length: n }, () => "<int>").join("x"));
    throw bad(shape, `'${token}' must be ${forms.join(" or ")}`);
  }
  return parts.map(Number);
}

/**
 * Parses a CLI shape into a conv2d problem. The shape is a comma-separated list of fields (case
 * and spaces do not matter):
 *
 * - `N<int>` batch (default 1), `C<int>` input channels, `H<int>` height, `W<int>` width
 *   (default H), `K<int>` output channels, `R<int>` kernel height, `S<int>` kernel width
 *   (default R);
 * - `stride<h>` or `stride<h>x<w>`; `dil<h>` or `dil<h>x<w>` (dilation);
 * - `pad<p>` (all sides), `pad<h>x<w>` (top = bottom = h, left = right = w) or
 *   `pad<top>x<left>x<bottom>x<right>` (ONNX order);
 * - `g<int>` groups, or `dw` for a depthwise convolution (groups = C);
 * - flags `nchw` (default) / `nhwc`, `bias`, `relu` / `relu6`.
 *
 * `dtype` (`"f32"` when omitted) sets the storage type. Throws a `RangeError` quoting the offending
 * field; C, H, K and R are required.
 *
 * @example The ResNet 3×3 layer and a depthwise layer
 * ```ts
 * import { parseConv2dShape } from "./parse_shape.ts";
 * const p = parseConv2dShape("N8,C64,H56,W56,K64,R3,S3,stride1,pad1");
 * console.log(p.batch, p.inChannels, p.padTop, p.padRight); // 8 64 1 1
 * const dw = parseConv2dShape("C32,H28,K32,R3,pad1,dw,nhwc,bias,relu6", "f16");
 * console.log(dw.groups, dw.width, dw.layout, dw.dtype); // 32 28 "NHWC" "f16"
 * ```
 */
export function parseConv2dShape(shape: string, dtype?: string): Conv2dProblem {
  if (typeof shape !== "string") {
    throw new TypeError(`'shape' must be a string: current value is ${String(shape)}`);
  }
  const fields: Record<string, unknown> = {};
  const seen = new Set<string>();
  let depthwise = false;
  const tokens = shape.split(",").map((t) => t.trim().toLowerCase());
  for (const token of tokens) {
    const match = /^([a-z]+?)(\d[\dx]*)?$/.exec(token);
    if (!match) throw bad(shape, `cannot read field '${token}'`);
    const name = match[1]!;
    const value = match[2];
    const key = ["nchw", "nhwc"].includes(token)
      ? "layout"
      : ["relu", "relu6"].includes(token)
      ? "activation"
      : name;
    if (seen.has(key)) throw bad(shape, `field '${key}' is given twice`);
    seen.add(key);
    if (token === "nchw" || token === "nhwc") {
      fields.layout = token.toUpperCase();
      continue;
    }
    if (token === "relu" || token === "relu6") {
      fields.activation = token;
      continue;
    }
    if (token === "bias") {
      fields.bias = true;
      continue;
    }
    if (token === "dw") {
      depthwise = true;
      continue;
    }
    if (value === undefined) throw bad(shape, `field '${token}' needs a value`);
    const single: Record<string, string> = {
      n: "batch",
      c: "inChannels",
      h: "height",
      w: "width",
      k: "outChannels",
      r: "kernelH",
      s: "kernelW",
      g: "groups",
    };
    const field = Object.hasOwn(single, name) ? single[name] : undefined;
    if (field !== undefined) {
      fields[field] = sizes(shape, token, value, [1])[0];
    } else if (name === "stride") {
      const [h, w = h] = sizes(shape, token, value, [1, 2]);
      fields.strideH = h;
      fields.strideW = w;
    } else if (name === "dil") {
      const [h, w = h] = sizes(shape, token, value, [1, 2]);
      fields.dilationH = h;
      fields.dilationW = w;
    } else if (name === "pad") {
      const p = sizes(shape, token, value, [1, 2, 4]);
      const [top, left = top, bottom = top, right = left] = p;
      fields.padTop = top;
      fields.padLeft = left;
      fields.padBottom = bottom;
      fields.padRight = right;
    } else {
      throw bad(shape, `unknown field '${token}'`);
    }
  }
  for (const [key, field] of [["c", "C"], ["h", "H"], ["k", "K"], ["r", "R"]]) {
    if (!seen.has(key!)) throw bad(shape, `the field ${field}<int> is missing`);
  }
  if (depthwise && seen.has("g")) throw bad(shape, "'dw' and 'g' cannot both be given");
  if (depthwise) fields.groups = fields.inChannels;
  fields.batch ??= 1;
  fields.width ??= fields.height;
  fields.kernelW ??= fields.kernelH;
  if (dtype !== undefined) fields.dtype = dtype;
  return normalizeConv2dProblem(fields);
}
