import CostModel

/// The discrete choices of the outer search, as named generators over one model, cluster and batch.
public struct SearchSpace: Sendable {
    public var model: ModelDescription
    public var cluster: ClusterDescription
    public var globalBatchSize: Int
    public var sequenceLength: Int
    public var precisions: [Precision]
    /// The framework that will run the plan: the space holds only what it can launch, and every
    /// candidate is costed with its mechanisms.
    public var framework: Framework

    public init(
        model: ModelDescription, cluster: ClusterDescription, globalBatchSize: Int, sequenceLength: Int,
        precisions: [Precision] = [.bf16], framework: Framework
    ) {
        self.model = model
        self.cluster = cluster
        self.globalBatchSize = globalBatchSize
        self.sequenceLength = sequenceLength
        self.precisions = precisions
        self.framework = framework
    }

    var devices: Int { cluster.devices }

    static func divisors(of n: Int) -> [Int] { Divisors.of(n) }

    /// Tensor-parallel degrees: divide the attention heads and the key-value heads (so GQA groups
    /// split cleanly), fit inside the NVLink domain, divide the device count.
    public func tensorParallelDegrees() -> [Int] {
        guard framework.tensorParallel else { return [1] }
        let kv = model.latentAttention == nil ? model.keyValueHeads : model.attentionHeads
        return Self.divisors(of: devices).filter {
            $0 <= cluster.nvlinkDomainGPUs && model.attentionHeads % $0 == 0 && kv % $0 == 0
        }
    }

    /// Context-parallel degrees: powers of two that leave at least 2,048 tokens per rank, used only
    /// when the sequence is long (≥ 8,192), dividing the devices left by tensor parallelism.
    public func contextParallelDegrees(tensor: Int) -> [Int] {
        var degrees = [1]
        guard framework.contextParallel else { return degrees }
        var c = 2
        while sequenceLength >= 8192 && sequenceLength / c >= 2048 && sequenceLength % (2 * c) == 0 {
            if (devices / tensor) % c == 0 { degrees.append(c) }
            c *= 2
        }
        return degrees
    }

    /// Pipeline degrees: any count up to the number of layers that divides the devices left
    /// (layer counts per stage need not divide).
    public func pipelineParallelDegrees(tensor: Int, context: Int) -> [Int] {
        let rest = devices / (tensor * context)
        guard framework.pipelineParallel else { return rest >= 1 ? [1] : [] }
        return Self.divisors(of: rest).filter { $0 <= model.layers }
    }

    /// Expert-parallel degrees for MoE models: divide the experts and the t·d·c ranks of a stage.
    public func expertParallelDegrees(tensor: Int, data: Int, context: Int) -> [Int] {
        guard let moe = model.moe, framework.expertParallel else { return [1] }
        return Self.divisors(of: tensor * data * context).filter { moe.experts % $0 == 0 }
    }

    /// Microbatch sizes: divide the per-replica batch, at most 16 sequences.
    public func microbatchSizes(data: Int) -> [Int] {
        guard globalBatchSize % data == 0 else { return [] }
        return Self.divisors(of: globalBatchSize / data).filter { $0 <= 16 }
    }

    /// Virtual stages per pipeline rank: 1, or 2–8 when the framework has the interleaved schedule,
    /// every chunk keeps a layer and the microbatch count is a multiple of p (Megatron requires it).
    public func virtualStageCounts(pipeline: Int, microbatches: Int) -> [Int] {
        guard pipeline > 1, framework.interleavedSchedule else { return [1] }
        return [1, 2, 3, 4, 6, 8].filter { $0 == 1 || (model.layers >= pipeline * $0 && microbatches % pipeline == 0) }
    }

    /// ZeRO stages the framework runs: with pipeline parallelism those it allows there (Megatron's
    /// distributed optimizer; DeepSpeed rejects ZeRO-2/3 with pipelines). Without data parallelism
    /// sharding changes nothing, so the lowest stage stands for all. Stage 0 is left out when stage 1
    /// is there: its reduce-scatter plus 16-bit all-gather moves no more bytes than stage 0's
    /// all-reduce, and it holds less memory, so it dominates.
    public func zeroStages(data: Int, context: Int, pipeline: Int) -> [ZeROStage] {
        let allowed = pipeline > 1 ? framework.zeroStagesWithPipeline : framework.zeroStages
        guard let lowest = allowed.first else { return [] }
        guard data * context > 1 else { return [lowest] }
        return allowed.contains(1) ? allowed.filter { $0 != 0 } : allowed
    }

    /// Recompute granularities: "full", whose MILP may recompute zero layers per stage, so it
    /// contains "none"; "selective" only pays off with an unfused attention core, which the search
    /// does not use (flash attention stores no s×s scores). A framework without full recompute
    /// runs without recompute.
    public var recomputeGranularities: [RecomputeGranularity] {
        framework.recompute.contains(.full) ? [.full] : [.none]
    }

    /// Every configuration of the space, in a fixed order. On a cluster of several device groups:
    /// those of each group alone, then (where the framework runs a pipeline over GPU types) those
    /// whose stages fill several groups (`StagePlacement`).
    public func configurations() -> [ParallelConfiguration] {
        guard cluster.groups.count > 1 else { return uniformConfigurations() }
        var all: [ParallelConfiguration] = []
        for placement in StagePlacement.orders(of: cluster, mixed: framework.mixedDevicePipeline) {
            var scoped = self
            scoped.cluster = placement.cluster(of: cluster)
            for var config in scoped.uniformConfigurations() {
                guard let groups = placement.stageGroups(stageDevices: config.pipelineStride, in: cluster) else {
                    continue
                }
                config.stageGroups = groups
                all.append(config)
            }
        }
        return all
    }

    /// The configurations with every device of `cluster` in one pipeline grid.
    func uniformConfigurations() -> [ParallelConfiguration] {
        var all: [ParallelConfiguration] = []
        for precision in precisions where cluster.groups.allSatisfy({ $0.profile.supports(precision) }) {
            for tensor in tensorParallelDegrees() {
                for context in contextParallelDegrees(tensor: tensor) {
                    for pipeline in pipelineParallelDegrees(tensor: tensor, context: context) {
                        let data = devices / (tensor * context * pipeline)
                        for expert in expertParallelDegrees(tensor: tensor, data: data, context: context) {
                            for microbatch in microbatchSizes(data: data) {
                                let microbatches = globalBatchSize / (data * microbatch)
                                for virtual in virtualStageCounts(pipeline: pipeline, microbatches: microbatches) {
                                    for zero in zeroStages(data: data, context: context, pipeline: pipeline) {
                                        for recompute in recomputeGranularities {
                                            all.append(
                                                ParallelConfiguration(
                                                    tensor: tensor, pipeline: pipeline, data: data, context: context,
                                                    expert: expert, virtualStages: virtual, microbatchSize: microbatch,
                                                    globalBatchSize: globalBatchSize, sequenceLength: sequenceLength,
                                                    sequenceParallel: tensor > 1 && framework.sequenceParallel,
                                                    recompute: recompute, zeroStage: zero,
                                                    precision: precision))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return all.filter { framework.problem(with: $0) == nil }
    }
}
