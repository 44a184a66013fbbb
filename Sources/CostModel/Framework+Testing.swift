extension Framework {
    /// Megatron-Core as frameworks/megatron.yaml describes it, for tests and benchmarks that build
    /// their inputs in code (a test hook: `package`, not `public`). PlanFilesTests checks that the
    /// bundled file still decodes to exactly this value.
    package static let megatronDefaults = Framework(
        name: "megatron", interleavedSchedule: true, zeroStages: [0, 1, 2, 3], zeroStagesWithPipeline: [0, 1],
        tensorParallel: true, pipelineParallel: true, contextParallel: true, expertParallel: true,
        sequenceParallel: true, recompute: [.none, .selective, .full], perStageRecompute: false,
        tensorCommOverlap: true, gradientAccumulationBytes: 4, gradientReduceBytes: 4, gradientReduceOverlap: true,
        parameterGatherOverlap: true, masterWeightsBytes: 4, optimizerStateBytes: 8, weightsBytes: 2,
        fusedKernels: [.norm, .activation, .rotary], mixedDevicePipeline: true, optimizerGatherOverlap: true,
        cpuActivationOffload: true)
}
