/**
 * The register-blocked skeleton shared by the `"depthwise"` (`depthwise.ts`) and `"rows"`
 * (`rows.ts`) conv2d algorithms: the thread's indices, its channel's weights in named registers,
 * the input columns it reads, the row loads, multiply-adds and stores, and the program around the
 * main loop, which each algorithm writes itself. See `depthwise.ts` for the design.
 *
 * @module
 */
import type { DeviceCaps, KernelProgram } from "../types.ts";
import { type Conv2dConfig, conv2dWorkgroupSize } from "./config.ts";
import { type DepthwiseBlock, depthwiseBlock } from "./depthwise_geometry.ts";
import { conv2dGrid } from "./dispatch.ts";
import { conv2dDims, type Conv2dProblem } from "./problem.ts";
import { conv2dProgram, epilogue, f32Type, toStorage } from "./wgsl.ts";

/** What an algorithm's main loop is written with: the problem, the thread block and emitters. */
export interface RegisterBlockParts {
  /** The problem. */
  readonly p: Conv2dProblem;
  /** The thread's block of output pixels and what it reads. */
  readonly b: DepthwiseBlock;
  /** Appends one line of WGSL at an indent level (1 = the function body). */
  readonly emit: (line: string, indent?: number) => void;
  /** Loads input row `ih` (an i32 expression), the vectors it reads, as x<t>. */
  readonly loadRow: (ih: string, indent: number) => void;
  /** Accumulates the loaded row times kernel row `r` into the accumulators a<row>_<column>. */
  readonly accumulate: (row: number, r: number, indent: number) => void;
  /** Stores the accumulators a<row>_<column> as output row `oh` when the conditions `when` hold. */
  readonly storeRow: (row: number, oh: string, when: string[], indent: number) => void;
}

/**
 * Generates a register-blocked program of a problem and a `"depthwise"` or `"rows"` config
 * already checked by `conv2dConfigError`, with `main` writing the accumulation and the stores.
 */
export function registerBlockedProgram(
  problem: Conv2dProblem,
  config: Conv2dConfig,
  caps: DeviceCaps,
  main: (parts: RegisterBlockParts) => void,
): KernelProgram {
  const p = problem;
  const { tileN, threadN: tn, vec } = config;
  const [wg] = conv2dWorkgroupSize(config);
  const grid = conv2dGrid(p, config, caps);
  const b = depthwiseBlock(p, config);
  const { outW } = conv2dDims(p);
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
  main({ p, b, emit, loadRow, accumulate, storeRow });

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
