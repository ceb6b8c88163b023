/**
 * What one session run costs on a backend: the median wall-clock latency of an empty submit +
 * `onSubmittedWorkDone`, of an empty submit + `mapAsync` of a 16-byte buffer, of `Session.run` of
 * a one-node model (`Relu` of 4 floats: upload, one dispatch, read-back) and of mnist-8, after
 * warm-up runs.
 *
 * ```sh
 * deno run -A bench/session_overhead.ts                                    # Deno's WebGPU
 * /work/main/.tools/bin/mesa25 deno run -A bench/session_overhead.ts dawn  # Dawn (npm:webgpu)
 * ```
 *
 * The first argument is the backend (`deno` or `dawn`, default `deno`); `WGTUNE_BENCH_RUNS`
 * (default 40) sets the timed runs of each measurement.
 *
 * @module
 */
import { openDevice } from "../gpu/device.ts";
import { encodeModel } from "../onnx/model_write.ts";
import { buildModel, buildNode, valueInfo } from "../onnx/build.ts";
import { createSession } from "../runtime/session.ts";
import { loadAverage } from "./_bench.ts";
import { median } from "../core/stats.ts";

const backend = Deno.args[0] ?? "deno";
if (backend !== "deno" && backend !== "dawn") {
  throw new RangeError(`'backend' must be deno or dawn: current value is ${backend}`);
}
const RUNS = Number(Deno.env.get("WGTUNE_BENCH_RUNS") ?? 40);
if (!Number.isInteger(RUNS) || RUNS < 1) {
  throw new RangeError(`'WGTUNE_BENCH_RUNS' must be a positive integer: current value is ${RUNS}`);
}
const CONFORMANCE = Deno.env.get("WGTUNE_CONFORMANCE_DIR") ??
  new URL("../../shared/conformance", import.meta.url).pathname;

/** Median (and 10th–90th percentile) of `RUNS` timed calls of `fn`, after 3 untimed ones. */
async function time(fn: () => Promise<unknown>): Promise<string> {
  for (let i = 0; i < 3; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `${median(samples).toFixed(2)} ms (p10 ${at(0.1).toFixed(2)}, p90 ${at(0.9).toFixed(2)})`;
}

const startLoad = loadAverage();
const gpu = await openDevice({ backend });
const { device } = gpu;
console.log(
  `backend ${gpu.backend}, adapter ${gpu.info.description} ${gpu.info.driver}, Deno ${Deno.version.deno}, ` +
    `${RUNS} timed runs each, load average ${startLoad}`,
);
console.log(
  `empty submit + onSubmittedWorkDone: ${await time(async () => {
    device.queue.submit([device.createCommandEncoder().finish()]);
    await device.queue.onSubmittedWorkDone();
  })}`,
);
const staging = device.createBuffer({
  size: 16,
  usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
});
console.log(
  `empty submit + mapAsync (16 B): ${await time(async () => {
    device.queue.submit([device.createCommandEncoder().finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    staging.unmap();
  })}`,
);
const tiny = await createSession(
  gpu,
  encodeModel(buildModel({
    nodes: [buildNode("Relu", ["x"], ["y"])],
    inputs: [valueInfo("x", "float", [4])],
    outputs: [valueInfo("y", "float", [4])],
  })),
  { cacheDir: null },
);
const x = { data: Float32Array.from([-1, 0, 1, 2]), dims: [4] };
console.log(`Session.run, one Relu node (4 floats): ${await time(() => tiny.run({ x }))}`);
await tiny.release();
const mnist = await createSession(gpu, `${CONFORMANCE}/models/mnist-8/model.onnx`, {
  cacheDir: null,
});
const input = { data: new Float32Array(784), dims: [1, 1, 28, 28] };
console.log(`Session.run, mnist-8: ${await time(() => mnist.run({ Input3: input }))}`);
await mnist.release();
console.log(`load average at the end: ${loadAverage()}`);
gpu.close();
