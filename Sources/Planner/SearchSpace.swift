import CostModel

/// The discrete choices of the outer search, as named generators over one model, cluster and batch.
public struct SearchSpace: Sendable {
    public var model: ModelDescription
    public var cluster: ClusterDescription
    public var globalBatchSize: Int
    public var sequenceLength: Int
    public var precisions: [Precision]

    public init(model: ModelDescription, cluster: ClusterDescription, globalBatchSize: Int, sequenceLength: Int,
                precisions: [Precision] = [.bf16]) {
        self.model = model
        self.cluster = cluster
        self.globalBatchSize = globalBatchSize
        self.sequenceLength = sequenceLength
        self.precisions = precisions
    }

    var devices: Int { cluster.devices }

    static func divisors(of n: Int) -> [Int] { Divisors.of(n) }

    /// Tensor-parallel degrees: divide the attention heads and the key-value heads (so GQA groups
    /// split cleanly), fit inside the NVLink domain, divide the device count.
    public func tensorParallelDegrees() -> [Int] {
        let kv = model.latentAttention == nil ? model.keyValueHeads : model.attentionHeads
        return Self.divisors(of: devices).filter {
            $0 <= cluster.nvlinkDomainGPUs && model.attentionHeads % $0 == 0 && kv % $0 == 0
        }
    }

    /// Context-parallel degrees: powers of two that leave at least 2,048 tokens per rank, used only
    /// when the sequence is long (≥ 8,192), dividing the devices left by tensor parallelism.
    public func contextParallelDegrees(tensor: Int) -> [Int] {
        var degrees = [1]
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
        return Self.divisors(of: rest).filter { $0 <= model.layers }
    }

    /// Expert-parallel degrees for MoE models: divide the experts and the t·d·c ranks of a stage.
    public func expertParallelDegrees(tensor: Int, data: Int, context: Int) -> [Int] {
        guard let moe = model.moe else { return [1] }
        return Self.divisors(of: tensor * data * context).filter { moe.experts % $0 == 0 }
    }

    /// Microbatch sizes: divide the per-replica batch, at most 16 sequences.
    public func microbatchSizes(data: Int) -> [Int] {
        guard globalBatchSize % data == 0 else { return [] }
        return Self.divisors(of: globalBatchSize / data).filter { $0 <= 16 }
    }

    /// Virtual stages per pipeline rank: 1, or 2–8 when every chunk keeps a layer and the
    /// microbatch count is a multiple of p (Megatron's interleaved schedule requires it).
    public func virtualStageCounts(pipeline: Int, microbatches: Int) -> [Int] {
        guard pipeline > 1 else { return [1] }
        return [1, 2, 3, 4, 6, 8].filter { $0 == 1 || (model.layers >= pipeline * $0 && microbatches % pipeline == 0) }
    }

    /// ZeRO stages: none without data parallelism; 1 with pipeline parallelism (Megatron's
    /// distributed optimizer; DeepSpeed rejects ZeRO-2/3 with pipelines); 1–3 otherwise. Stage 0 is
    /// left out: stage 1 needs less memory and moves fewer bytes (16-bit gradients), so it dominates.
    public func zeroStages(data: Int, context: Int, pipeline: Int) -> [Int] {
        guard data * context > 1 else { return [0] }
        return pipeline > 1 ? [1] : [1, 2, 3]
    }

    /// Recompute granularities: "full", whose MILP may recompute zero layers per stage, so it
    /// contains "none"; "selective" only pays off with an unfused attention core, which the search
    /// does not use (flash attention stores no s×s scores).
    public var recomputeGranularities: [RecomputeGranularity] { [.full] }

    /// Every configuration of the space, in a fixed order.
    public func configurations() -> [ParallelConfiguration] {
        var all: [ParallelConfiguration] = []
        for precision in precisions where cluster.profile.supports(precision) {
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
                                            all.append(ParallelConfiguration(
                                                tensor: tensor, pipeline: pipeline, data: data, context: context,
                                                expert: expert, virtualStages: virtual, microbatchSize: microbatch,
                                                globalBatchSize: globalBatchSize, sequenceLength: sequenceLength,
                                                sequenceParallel: tensor > 1, recompute: recompute, zeroStage: zero,
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
        return all
    }
}
