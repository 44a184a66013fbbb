/// A training framework as the cost model and the search see it: what it can run, and the switches of
/// the mechanisms that set its speed and memory (overlaps, buffer types). One file per framework in
/// frameworks/ gives the values, each with its source; the same configuration then costs what that
/// framework makes of it, and the search only proposes what that framework can launch.
public struct Framework: Sendable, Hashable, Codable {
    /// The name the command line and the plan use (`megatron`, `torchtitan`, `deepspeed`, `nanotron`).
    public var name: String

    // MARK: What it runs

    /// The interleaved (virtual-stage) 1F1B schedule exists.
    public var interleavedSchedule: Bool
    /// Data-parallel sharding stages it runs (0 replicated … 3 weights sharded too), ascending.
    public var zeroStages: [ZeROStage]
    /// The stages it runs together with pipeline parallelism.
    public var zeroStagesWithPipeline: [ZeROStage]
    public var tensorParallel: Bool
    public var pipelineParallel: Bool
    public var contextParallel: Bool
    public var expertParallel: Bool
    /// Megatron-style sequence parallelism inside the tensor-parallel group.
    public var sequenceParallel: Bool
    public var recompute: [RecomputeGranularity]
    /// Whether a launch can recompute a different number of layers on different pipeline stages.
    public var perStageRecompute: Bool

    // MARK: Mechanisms

    /// Tensor-parallel collectives overlap with the GEMMs (the profile's `tensorCommOverlap` share of
    /// them hides); off, every byte of them is exposed.
    public var tensorCommOverlap: Bool
    /// Bytes per parameter of the buffer gradients accumulate in (4: fp32 main gradients).
    public var gradientAccumulationBytes: Double
    /// Bytes per parameter the data-parallel gradient reduction sends.
    public var gradientReduceBytes: Double
    /// The data-parallel gradient reduction runs behind the backward pass (bucketed); off, after it.
    public var gradientReduceOverlap: Bool
    /// ZeRO-3 / FSDP weight all-gathers are prefetched behind compute; off, they are exposed.
    public var parameterGatherOverlap: Bool
    /// Bytes per parameter of the optimizer's fp32 master weights (sharded from ZeRO 1 on).
    public var masterWeightsBytes: Double
    /// Bytes per parameter of the optimizer's moments (Adam: 8; sharded from ZeRO 1 on).
    public var optimizerStateBytes: Double
    /// Bytes per parameter of the persistent 16-bit weights the forward reads (0 when the framework
    /// keeps only sharded fp32 parameters and gathers 16-bit copies per layer, as FSDP2 does).
    public var weightsBytes: Double
    /// ZeRO-3 / FSDP gathers the weights again for every microbatch (reshard after forward).
    public var gathersPerMicrobatch: Bool

    public init(
        name: String, interleavedSchedule: Bool, zeroStages: [ZeROStage], zeroStagesWithPipeline: [ZeROStage],
        tensorParallel: Bool, pipelineParallel: Bool, contextParallel: Bool, expertParallel: Bool,
        sequenceParallel: Bool, recompute: [RecomputeGranularity], perStageRecompute: Bool,
        tensorCommOverlap: Bool, gradientAccumulationBytes: Double, gradientReduceBytes: Double,
        gradientReduceOverlap: Bool, parameterGatherOverlap: Bool, masterWeightsBytes: Double,
        optimizerStateBytes: Double, weightsBytes: Double, gathersPerMicrobatch: Bool
    ) {
        self.name = name
        self.interleavedSchedule = interleavedSchedule
        self.zeroStages = zeroStages
        self.zeroStagesWithPipeline = zeroStagesWithPipeline
        self.tensorParallel = tensorParallel
        self.pipelineParallel = pipelineParallel
        self.contextParallel = contextParallel
        self.expertParallel = expertParallel
        self.sequenceParallel = sequenceParallel
        self.recompute = recompute
        self.perStageRecompute = perStageRecompute
        self.tensorCommOverlap = tensorCommOverlap
        self.gradientAccumulationBytes = gradientAccumulationBytes
        self.gradientReduceBytes = gradientReduceBytes
        self.gradientReduceOverlap = gradientReduceOverlap
        self.parameterGatherOverlap = parameterGatherOverlap
        self.masterWeightsBytes = masterWeightsBytes
        self.optimizerStateBytes = optimizerStateBytes
        self.weightsBytes = weightsBytes
        self.gathersPerMicrobatch = gathersPerMicrobatch
    }

    /// Whether the framework can run `config` at all (degrees, schedule, sharding, recompute); the
    /// first reason it cannot, or nil.
    public func problem(with config: ParallelConfiguration) -> String? {
        if config.tensor > 1 && !tensorParallel { return "\(name) has no tensor parallelism" }
        if config.pipeline > 1 && !pipelineParallel { return "\(name) has no pipeline parallelism" }
        if config.context > 1 && !contextParallel { return "\(name) has no context parallelism" }
        if config.expert > 1 && !expertParallel { return "\(name) has no expert parallelism" }
        if config.virtualStages > 1 && !interleavedSchedule { return "\(name) has no interleaved pipeline schedule" }
        if config.sequenceParallel && config.tensor > 1 && !sequenceParallel {
            return "\(name) has no sequence parallelism"
        }
        if !zeroStages.contains(config.zeroStage) {
            return
                "\(name) runs ZeRO stages \(zeroStages.map(String.init).joined(separator: ", ")), not "
                + "\(config.zeroStage)"
        }
        if config.pipeline > 1 && !zeroStagesWithPipeline.contains(config.zeroStage) {
            return "\(name) runs ZeRO \(config.zeroStage) without pipeline parallelism only"
        }
        if !recompute.contains(config.recompute) { return "\(name) has no \(config.recompute.rawValue) recompute" }
        return nil
    }
}
