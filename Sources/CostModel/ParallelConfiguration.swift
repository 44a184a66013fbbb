/// One point of the search space: how a training step is split over the devices.
public struct ParallelConfiguration: Sendable, Hashable, Codable {
    public var tensor: Int
    public var pipeline: Int
    public var data: Int
    public var context: Int
    public var expert: Int
    /// Model chunks per pipeline rank (interleaved 1F1B); 1 means plain 1F1B.
    public var virtualStages: Int
    public var microbatchSize: Int
    /// Sequences per optimizer step, over all data-parallel replicas.
    public var globalBatchSize: Int
    public var sequenceLength: Int
    public var sequenceParallel: Bool
    public var recompute: RecomputeGranularity
    /// Under selective recompute, what is recomputed (Megatron-Core `recompute_modules`; default the
    /// attention core alone).
    public var recomputeModules: Set<RecomputeModule> = [.coreAttention]
    /// 0 none, 1 optimizer states (Megatron distributed optimizer), 2 + gradients, 3 + weights (FSDP).
    public var zeroStage: ZeROStage
    public var precision: Precision
    /// Fused flash-attention core (Dao et al. 2022); false for the unfused softmax of 2021-era Megatron
    /// and BLOOM, which writes the s×s scores to memory.
    public var flashAttention: Bool
    /// On a cluster with several device groups, the group (index into `ClusterDescription.groups`)
    /// each pipeline rank runs on, rank 0 first; nil: every rank on the first group. Every rank of a
    /// stage (its d·t·c devices) sits on that stage's group.
    public var stageGroups: [Int]?
    /// Layers, from the first, whose activations go to host memory after their forward and come back
    /// for their backward (Megatron-Core's `cpu_offloading_num_layers` with activations offloaded,
    /// weights kept); 0 keeps every activation on the device.
    public var offloadedLayers: Int = 0

    public init(
        tensor: Int = 1, pipeline: Int = 1, data: Int = 1, context: Int = 1, expert: Int = 1,
        virtualStages: Int = 1, microbatchSize: Int = 1, globalBatchSize: Int, sequenceLength: Int,
        sequenceParallel: Bool? = nil, recompute: RecomputeGranularity = .none, zeroStage: ZeROStage = 1,
        precision: Precision = .bf16, flashAttention: Bool = true
    ) {
        self.tensor = tensor
        self.pipeline = pipeline
        self.data = data
        self.context = context
        self.expert = expert
        self.virtualStages = virtualStages
        self.microbatchSize = microbatchSize
        self.globalBatchSize = globalBatchSize
        self.sequenceLength = sequenceLength
        self.sequenceParallel = sequenceParallel ?? (tensor > 1)
        self.recompute = recompute
        self.zeroStage = zeroStage
        self.precision = precision
        self.flashAttention = flashAttention
    }

    /// Devices the configuration occupies: t·p·d·c (experts are carved out of t·d·c, as in Megatron).
    public var devices: Int { tensor * pipeline * data * context }
    /// Microbatches each pipeline runs per step: B / (d·b).
    public var microbatchCount: Int { globalBatchSize / max(data * microbatchSize, 1) }
    /// Model chunks over the whole pipeline: p·v.
    public var chunks: Int { pipeline * virtualStages }
}
