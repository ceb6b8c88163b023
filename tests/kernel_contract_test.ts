/**
 * Runs the shared kernel contract suite (`tests/kernel_contract.ts`) once per registered family.
 */
import { KERNELS } from "../kernels/registry.ts";
import { kernelContractTests } from "./kernel_contract.ts";

for (const family of Object.values(KERNELS)) kernelContractTests(family);
