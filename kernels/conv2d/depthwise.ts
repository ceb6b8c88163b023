/**
 * Code generator of the `"depthwise"` and `"rows"` conv2d algorithms: register-blocked direct
 * convolution for problems with one input channel per group (depthwise convolution, with any
 * channel multiplier `outChannels / groups`), without workgroup memory or barriers.
 *
 * Each thread owns one output channel (in NHWC, one vector of `vec` neighbouring channels) and a
 * block of `threadRows × threadCols` output pixels of one image (at most `threadM`, see
 * `depthwiseBlock`). It loads its channel's `kernelH·kernelW` weights once into named registers.
 * Then, for every distinct input row its block reads (offset `th·strideH + r·dilationH`), it
 * loads the row segment once, only the distinct columns the block reads (offsets
 * `tw·strideW + s·dilationW`), into named registers, and accumulates every (output row, kernel
 * row) pair that uses that row. In NCHW the segment is read, and the outputs stored, in vectors
 * of `vec` columns (the widths must be multiples of `vec`, so that a vector never straddles a
 * row or the edge of the image). The whole body is unrolled: the kernel holds no loop and no
 * array, only named `let` and `var` registers, and its size is bounded by `DEPTHWISE_MAX_FMAS`.
 * Padding reads give 0 through `select` on an index clamped into the image, so no access leaves
 * the tensors; when a block spans the output's width, its column offsets are constants and the
 * vectors wholly in the left or right padding are neither loaded nor multiplied. The bias is
 * loaded once per thread as the accumulators' initial value.
 *
 * A workgroup is one-dimensional: `tileM / threadM` consecutive blocks (numbered row-major over
 * image, block row and block column) times `tileN / threadN` consecutive channel slots. In NCHW
 * the invocation index runs along blocks first (neighbouring invocations read the same channel
 * plane), in NHWC along channels first (neighbouring invocations read neighbouring elements).
 *
 * Why this shape: on SIMD-across-invocations implementations such as Mesa's lavapipe, every load
 * from storage or workgroup memory runs as one scalar access per lane and component (with a
 * branch per lane), while multiply-adds are 8 lanes wide, and every workgroup has a fixed launch
 * cost. A depthwise convolution reuses each input value only `kernelH·kernelW` times, so staging
 * it in workgroup memory (as `"direct"` and `"gemm"` do) adds a second round of per-lane
 * accesses for little reuse, and the cost is set by the number of values loaded and stored per
 * output. On a 56×56 image with a 3×3 kernel and padding 1, in vectors of 4, a block of 4 rows ×
 * the whole width reads 6 rows × 14 vectors (the 2 vectors in the padding skipped) and stores 56
 * vectors for 224 pixels: 0.625 vector accesses per pixel, against 0.73 per pixel inside the
 * image for 8 rows × 32 columns (100 loads and 64 stores for 256 pixels, 32 of them past the
 * edge). Dynamically indexed private arrays would become per-lane gathers too, hence the named
 * registers.
 *
 * `"rows"` (NCHW, stride and dilation 1 along the height) cuts the halo rows further: a thread
 * owns a band of `threadM` output rows, each the whole output width, and loops over the band's
 * input rows. Every input row is loaded once and multiplied into the `kernelH` rows of
 * accumulators it contributes to; the oldest of them is then complete, is stored, and the rows
 * shift down (register moves). A band of 32 rows on a 56-wide 3×3 layer loads 34 input rows for
 * 32 output rows, 0.54 vector accesses per pixel; its loop body holds `kernelH · kernelW ·` the
 * width multiply-adds.
 *
 * @module
 */
import type { DeviceCaps, KernelProgram } from "../types.ts";
import { type Conv2dConfig, conv2dGrid, conv2dWorkgroupSize, depthwiseBlock } from "./config.ts";
import { conv2dDims, type Conv2dProblem } from "./problem.ts";
import { conv2dProgram, epilogue, f32Type, toStorage } from "./wgsl.ts";

/**
 * Generates the `"depthwise"` or `"rows"` program of a problem and a config already checked by
 * `conv2dConfigError`.
 *
 * @example Generate a depthwise kernel of 16-pixel blocks, 4 blocks × 4 channels per workgroup
 * ```ts
 * import { DEFAULT_CAPS } from "../types.ts";
 * import { parseConv2dConfig } from "./config.ts";
 * import { generateDepthwise } from "./depthwise.ts";
 * import { normalizeConv2dProblem } from "./problem.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 1, inChannels: 8, height: 16, width: 16, outChannels: 8, kernelH: 3, kernelW: 3,
 *   padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, groups: 8,
 * });
 * const c = parseConv2dConfig({
 *   algorithm: "depthwise", tileM: 64, tileN: 4, tileK: 1, threadM: 16, threadN: 1, vec: 1,
 * });
 * const program = generateDepthwise(p, c, DEFAULT_CAPS);
 * console.log(program.workgroupSize, program.dispatch); // [16, 1, 1] [4, 1, 2]
 * ```
 *
 * @example Stream bands of 8 rows: one loop over each band's 10 input rows
 * ```ts
 * import { DEFAULT_CAPS } from "../types.ts";
 * import { parseConv2dConfig } from "./config.ts";
 * import { generateDepthwise } from "./depthwise.ts";
 * import { normalizeConv2dProblem } from "./problem.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 1, inChannels: 8, height: 16, width: 16, outChannels: 8, kernelH: 3, kernelW: 3,
 *   padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, groups: 8,
 * });
 * const c = parseConv2dConfig({
 *   algorithm: "rows", tileM: 16, tileN: 8, tileK: 1, threadM: 8, threadN: 1, vec: 4,
 * });
 * const program = generateDepthwise(p, c, DEFAULT_CAPS);
 * console.log(program.workgroupSize, program.dispatch); // [16, 1, 1] [1, 1, 1]
 * console.log(program.code.includes("for (var i = 0u; i < TH + 2u; i++)")); // true
 * ```
 */
export function generateDepthwise(
  problem: Conv2dProblem,
  config: Conv2dConfig,
  caps: DeviceCaps,
): KernelProgram {
  const p = problem;
  const { tileN, threadN: tn, vec } = config;
  const [wg] = conv2dWorkgroupSize(config);
  const grid = conv2dGrid(p, config, caps);
  const b = depthwiseBlock(p, config);
  const { outH, outW } = conv2dDims(p);
  const nhwc = p.layout === "NHWC";
  // NHWC: each thread computes `vec` neighbouring channels as vectors; NCHW: input rows are read
  // and outputs stored in vectors of `vec` columns.
  const lt = f32Type(nhwc ? vec : 1);
  const xv = nhwc ? 1 : vec;
  const rs = p.kernelH * p.kernelW;

  const lines: string[] = [];
  const emit = (line: string, indent = 1) => lines.push("  ".repeat(indent) + line);
  emit(`let li = lid.x;`);
  if (nhwc) {
    emit(`let ty = li % CH_THREADS;`);
    emit(`let tx = li / CH_THREADS;`);
  } else {
    emit(`let tx = li % PX_THREADS;`);
    emit(`let ty = li / PX_THREADS;`);
  }
  // Blocks and channels past the end compute on clamped indices and store nothing.
  emit(`let blk = (wid.x + wid.y * FOLD_X) * PX_THREADS + tx;`);
  emit(`let ch = wid.z * TILE_N + ty * TN;`);
  emit(`let live = blk < BLOCKS && ch < K;`);
  emit(`let bc = min(blk, BLOCKS - 1u);`);
  emit(`let co = min(ch, K - TN);`);
  emit(`let bw = bc % BLOCKS_W;`);
  emit(`let bh = (bc / BLOCKS_W) % BLOCKS_H;`);
  emit(`let n = bc / (BLOCKS_W * BLOCKS_H);`);
  emit(`let oh0 = bh * TH;`);
  emit(`let ow0 = bw * TW;`);
  emit(`let ihb = i32(oh0 * STRIDE_H) - PAD_T;`);
  // One input channel per group: output channel co reads input channel co / NG.
  emit(`let ci = co / NG;`);
  emit(`let wb = co * (R * S);`);
  const channels = (at: (c: number) => string): string =>
    nhwc && vec > 1 ? `${lt}(${Array.from({ length: vec }, (_, c) => at(c)).join(", ")})` : at(0);
  for (let r = 0; r < p.kernelH; r++) {
    for (let s = 0; s < p.kernelW; s++) {
      const tap = r * p.kernelW + s;
      emit(
        `let w${r}_${s} = ${
          channels((c) => `f32(weight[wb + ${c === 0 ? tap : `${c * rs + tap}`}u])`)
        };`,
      );
    }
  }
  // Input columns: the same in every row, so their masks and clamped offsets are computed once.
  // In NCHW they are read in vectors of `xv` columns: the thread's first column iwb = ow0·strideW
  // − padLeft lies `lead` columns into vector q0 (ow0·strideW is a multiple of xv), so column
  // offset `off` is component (lead + off) % xv of vector q0 + (lead + off) / xv. A block as wide
  // as the output starts at column 0 in every thread: its column offsets are constants, and the
  // vectors lying in the padding are neither loaded nor multiplied.
  const { lead, firstVector, readVectors } = b;
  const vectorOf = (off: number) => Math.floor((lead + off) / xv);
  const padding = new Set(b.paddingVectors);
  const fixedColumns = b.blocksW === 1;
  const rowVectors = nhwc ? p.width : p.width / xv;
  const scale = nhwc ? ` * ${p.inChannels / vec}u` : "";
  if (fixedColumns) {
    for (const t of readVectors) {
      if (!padding.has(t)) emit(`let cx${t} = ${firstVector + t}u${scale};`);
    }
  } else {
    if (nhwc) {
      emit(`let iwb = i32(ow0 * STRIDE_W) - PAD_L;`);
    } else {
      emit(`let q0 = i32(ow0 * STRIDE_W / ${xv}u) - ${-firstVector}i;`);
    }
    for (const t of readVectors) {
      emit(nhwc ? `let iw${t} = iwb + ${t}i;` : `let iw${t} = q0 + ${t}i;`);
      emit(`let cok${t} = u32(iw${t}) < ${rowVectors}u;`);
      emit(`let cx${t} = select(0u, u32(iw${t}), cok${t})${scale};`);
    }
  }
  emit(
    `let init = ${
      p.bias ? channels((c) => `f32(bias[co${c === 0 ? "" : ` + ${c}u`}])`) : `${lt}(0.0)`
    };`,
  );
  const loadType = f32Type(nhwc ? vec : xv);
  /** Loads input row `ih` (an i32 expression), the vectors it reads, as x<t>. */
  const loadRow = (ih: string, indent: number) => {
    emit(`let ih = ${ih};`, indent);
    emit(`let rok = u32(ih) < H;`, indent);
    emit(`let ihc = select(0u, u32(ih), rok);`, indent);
    emit(
      nhwc
        ? `let rb = (n * H + ihc) * W * ${p.inChannels / vec}u + ci / ${vec}u;`
        : `let rb = ((n * C + ci) * H + ihc) * ${p.width / xv}u;`,
      indent,
    );
    for (const t of readVectors) {
      if (padding.has(t)) continue;
      const ok = fixedColumns ? "rok" : `rok && cok${t}`;
      emit(`let x${t} = select(${loadType}(0.0), ${loadType}(input[rb + cx${t}]), ${ok});`, indent);
    }
  };
  /** Accumulates the loaded row times kernel row `r` into the accumulators a<row>_<column>. */
  const accumulate = (row: number, r: number, indent: number) => {
    for (let tw = 0; tw < b.threadCols; tw++) {
      for (let s = 0; s < p.kernelW; s++) {
        const off = tw * p.strideW + s * p.dilationW;
        if (padding.has(vectorOf(off))) continue;
        const x = xv === 1 ? `x${vectorOf(off)}` : `x${vectorOf(off)}[${(lead + off) % xv}]`;
        emit(`a${row}_${tw} = fma(${x}, w${r}_${s}, a${row}_${tw});`, indent);
      }
    }
  };
  /**
   * Stores the accumulators a<row>_<column> as output row `oh` (a u32 expression) when `when`
   * holds: the activation (the bias is already in), then the pixels inside the output (in NCHW
   * vectors of xv columns, all inside or all outside since xv divides outW).
   */
  const finish = { ...p, bias: false };
  const storeRow = (row: number, oh: string, when: string[], indent: number) => {
    for (let tw = 0; tw < b.threadCols; tw += xv) {
      const conditions = ["live", ...when];
      if (outW % b.threadCols !== 0) conditions.push(`ow < OW`);
      const acc = xv === 1
        ? `a${row}_${tw}`
        : `${f32Type(xv)}(${Array.from({ length: xv }, (_, c) => `a${row}_${tw + c}`).join(", ")})`;
      const index = nhwc
        ? `((n * OH + oh) * OW + ow) * ${p.outChannels / vec}u + co / ${vec}u`
        : `(((n * K + co) * OH + oh) * OW + ow) / ${xv}u`;
      emit(`{`, indent);
      emit(`let oh = ${oh};`, indent + 1);
      emit(`let ow = ow0 + ${tw}u;`, indent + 1);
      emit(`if (${conditions.join(" && ")}) {`, indent + 1);
      emit(epilogue(finish, "v", acc, "co", vec), indent + 2);
      emit(`output[${index}] = ${toStorage(p, "v", vec)};`, indent + 2);
      emit(`}`, indent + 1);
      emit(`}`, indent);
    }
  };
  if (config.algorithm === "rows") {
    // Streams the band's input rows: after input row i, accumulator row j holds output row
    // oh0 + i − (R − 1) + j, which takes kernel row R − 1 − j of it; row 0 is then complete,
    // is stored, and the rows shift down (stride and dilation along the height are 1).
    const rows = p.kernelH;
    for (let j = 0; j < rows; j++) {
      for (let tw = 0; tw < b.threadCols; tw++) emit(`var a${j}_${tw} = init;`);
    }
    emit(`for (var i = 0u; i < TH + ${rows - 1}u; i++) {`);
    loadRow(`ihb + i32(i)`, 2);
    for (let j = 0; j < rows; j++) accumulate(j, rows - 1 - j, 2);
    storeRow(0, `oh0 + i - ${rows - 1}u`, [`i >= ${rows - 1}u`, `oh < OH`], 2);
    for (let j = 0; j + 1 < rows; j++) {
      for (let tw = 0; tw < b.threadCols; tw++) emit(`a${j}_${tw} = a${j + 1}_${tw};`, 2);
    }
    for (let tw = 0; tw < b.threadCols; tw++) emit(`a${rows - 1}_${tw} = init;`, 2);
    emit(`}`);
  } else {
    for (let th = 0; th < b.threadRows; th++) {
      for (let tw = 0; tw < b.threadCols; tw++) emit(`var a${th}_${tw} = init;`);
    }
    for (const offset of b.rowOffsets) {
      emit(`{`);
      loadRow(`ihb + ${offset}i`, 2);
      for (let th = 0; th < b.threadRows; th++) {
        for (let r = 0; r < p.kernelH; r++) {
          if (th * p.strideH + r * p.dilationH === offset) accumulate(th, r, 2);
        }
      }
      emit(`}`);
    }
    for (let th = 0; th < b.threadRows; th++) {
      storeRow(th, `oh0 + ${th}u`, outH % b.threadRows !== 0 ? [`oh < OH`] : [], 1);
    }
  }

  return conv2dProgram(p, {
    outVec: vec,
    inVec: vec,
    declarations: [
      `const TW: u32 = ${b.threadCols}u;`,
      `const TH: u32 = ${b.threadRows}u;`,
      `const TN: u32 = ${tn}u;`,
      `const TILE_N: u32 = ${tileN}u;`,
      `const PX_THREADS: u32 = ${b.pixelThreads}u;`,
      `const CH_THREADS: u32 = ${tileN / tn}u;`,
      `const BLOCKS_W: u32 = ${b.blocksW}u;`,
      `const BLOCKS_H: u32 = ${b.blocksH}u;`,
      `const BLOCKS: u32 = ${b.blocks}u;`,
      `const FOLD_X: u32 = ${grid.dispatch[0]}u;`,
    ],
    workgroupSize: [wg, 1, 1],
    dispatch: grid.dispatch,
    body: lines,
  });
}
