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
    /// The per-chunk recompute counts a launch can express (`any` exactly when `perStageRecompute`).
    public var recomputeLayers: RecomputeLayers
    /// How it splits layers over pipeline stages by itself, and whether a launch may choose another.
    public var pipelineSplit: PipelineSplit
    /// What its `selective` recompute keeps and recomputes.
    public var selectiveRecompute: SelectiveRecompute
    /// Whether one pipeline may run its stages on different GPU types (a launch states uneven layers
    /// per stage and orders nodes so that each stage's ranks sit on one group). Off, a plan on a mixed
    /// cluster keeps to one group.
    public var mixedDevicePipeline: Bool
    /// The framework can keep the activations of the first layers on the host between their forward
    /// and backward (Megatron-Core's `cpu_offloading_num_layers`; `ParallelConfiguration.offloadedLayers`).
    public var cpuActivationOffload: Bool

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
    /// The memory-bound layer kernels that run fused (Transformer Engine, Apex, Triton, or
    /// torch.compile); the others run as separate eager PyTorch ops, each a pass over HBM
    /// (`TrainingCost.elementwiseBytes`).
    public var fusedKernels: Set<FusedKernel>
    /// FSDP / ZeRO-3 stays sharded between microbatches under pipeline parallelism; false when the
    /// framework keeps weights and gradients unsharded for the whole step there (torchtitan).
    public var shardsUnderPipeline: Bool
    /// Bytes per logit (T·V/t of them) alive while the loss runs: the output layer's 16-bit logits plus
    /// the fp32 tensors its cross-entropy makes of them before the 16-bit ones are freed. 6 = one fp32
    /// copy shifted in place (Megatron's vocab-parallel cross-entropy); 10 = a cast and an out-of-place
    /// shifted copy (nanotron's sharded_cross_entropy). `TrainingCost.logitsPeakBytes`.
    public var lossLogitBytes: Double
    /// The attention kernel is FlashAttention-2 (the flash-attn 2.x package), which reaches only the
    /// profile's `flashAttention2Max` on Hopper; false for Transformer Engine's cuDNN attention and
    /// other kernels that run at the device's GEMM efficiency.
    public var flashAttention2: Bool
    /// ZeRO 1/2: the all-gather of updated 16-bit weights after the optimizer step is prefetched behind
    /// the next step's first forward (Megatron's distributed optimizer with --overlap-param-gather);
    /// false where it runs before that forward (DeepSpeed's stage 1/2 step, nanotron's ZeRO-1).
    public var optimizerGatherOverlap: Bool
    /// Host (CPU) time to issue one transformer layer's forward kernels, seconds; its backward takes
    /// twice as long (autograd issues about two kernels per forward one). The GPU runs a layer no
    /// faster than its host issues it, so each pass takes the longer of the two
    /// (`TrainingCost.layer`): with small kernels (high tensor parallelism, small microbatches) an eager
    /// framework is bound by its host. 0 where the host always keeps ahead.
    public var hostLayerForwardSeconds: Double
    /// HBM bytes per parameter that each microbatch's backward moves to add its gradients into the
    /// accumulation buffer outside the weight-gradient GEMMs: 0 where the GEMM accumulates in place
    /// (Megatron's gradient_accumulation_fusion writes into the fp32 main_grad), 10 for an unfused fp32
    /// accumulation (read the 16-bit gradient, 2; read and write the fp32 buffer, 4 + 4: nanotron's
    /// FP32GradientAccumulator). `TrainingCost.layer` adds it to the backward at the HBM rate.
    public var gradientAccumulationPassBytes: Double
    /// Bytes per parameter of a second, unsharded gradient buffer the data-parallel wrapper keeps
    /// besides the accumulation buffer whenever there is more than one data-parallel rank: PyTorch's
    /// DistributedDataParallel (default `gradient_as_bucket_view=False`) allocates its buckets in the
    /// gradients' 16-bit dtype for every parameter at construction, 2; 0 where the reduction works on
    /// the accumulation buffer itself (Megatron-Core's DDP, FSDP2).
    public var dataParallelBucketBytes: Double
    /// Without sequence parallelism, each fully recomputed layer's kept input is split over the t
    /// tensor-parallel ranks and all-gathered again before its recompute (Megatron-LM's
    /// --distribute-saved-activations, metaseq's --distribute-checkpointed-activations); with sequence
    /// parallelism the input is split already.
    public var distributedCheckpoints: Bool
    /// In FP8 training, ZeRO-3/FSDP gathers the weights already cast to FP8, 1 byte per parameter
    /// instead of 2 (torchao's enable_fsdp_float8_all_gather under torchtitan; Megatron's
    /// --fp8-param-gather). On in frameworks/torchtitan.yaml (its export writes it), off elsewhere, as
    /// in those frameworks' defaults; a runs file may set it for one run.
    public var fp8WeightGather: Bool = false
    /// The attention kernel is the Triton port of FlashAttention (llm-foundry's attn_impl triton):
    /// FlashAttention-2's cost (and its cap on Hopper) times `Assumption.tritonFlashForwardSlowdown`
    /// forward and `tritonFlashBackwardSlowdown` backward.
    public var tritonFlashAttention: Bool = false

    public init(
        name: String, interleavedSchedule: Bool, zeroStages: [ZeROStage], zeroStagesWithPipeline: [ZeROStage],
        tensorParallel: Bool, pipelineParallel: Bool, contextParallel: Bool, expertParallel: Bool,
        sequenceParallel: Bool, recompute: [RecomputeGranularity], perStageRecompute: Bool,
        tensorCommOverlap: Bool, gradientAccumulationBytes: Double, gradientReduceBytes: Double,
        gradientReduceOverlap: Bool, parameterGatherOverlap: Bool, masterWeightsBytes: Double,
        optimizerStateBytes: Double, weightsBytes: Double,
        fusedKernels: Set<FusedKernel>, shardsUnderPipeline: Bool = true, recomputeLayers: RecomputeLayers? = nil,
        pipelineSplit: PipelineSplit = .even, selectiveRecompute: SelectiveRecompute = .modules,
        mixedDevicePipeline: Bool = false, lossLogitBytes: Double = 6, flashAttention2: Bool = false,
        optimizerGatherOverlap: Bool = false, hostLayerForwardSeconds: Double = 0,
        gradientAccumulationPassBytes: Double = 0, dataParallelBucketBytes: Double = 0,
        distributedCheckpoints: Bool = false, cpuActivationOffload: Bool = false
    ) {
        self.cpuActivationOffload = cpuActivationOffload
        self.distributedCheckpoints = distributedCheckpoints
        self.dataParallelBucketBytes = dataParallelBucketBytes
        self.hostLayerForwardSeconds = hostLayerForwardSeconds
        self.gradientAccumulationPassBytes = gradientAccumulationPassBytes
        self.optimizerGatherOverlap = optimizerGatherOverlap
        self.lossLogitBytes = lossLogitBytes
        self.flashAttention2 = flashAttention2
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
        self.recomputeLayers = recomputeLayers ?? (perStageRecompute ? .any : .sameCount)
        self.tensorCommOverlap = tensorCommOverlap
        self.gradientAccumulationBytes = gradientAccumulationBytes
        self.gradientReduceBytes = gradientReduceBytes
        self.gradientReduceOverlap = gradientReduceOverlap
        self.parameterGatherOverlap = parameterGatherOverlap
        self.masterWeightsBytes = masterWeightsBytes
        self.optimizerStateBytes = optimizerStateBytes
        self.weightsBytes = weightsBytes
        self.fusedKernels = fusedKernels
        self.shardsUnderPipeline = shardsUnderPipeline
        self.pipelineSplit = pipelineSplit
        self.selectiveRecompute = selectiveRecompute
        self.mixedDevicePipeline = mixedDevicePipeline
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
        if config.offloadedLayers > 0 && !cpuActivationOffload { return "\(name) has no CPU activation offload" }
        return nil
    }
}

/// Memory-bound kernels of a transformer layer that a framework may fuse.
public enum FusedKernel: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// RMSNorm / LayerNorm: one read and one write of the hidden state fused; eager PyTorch's
    /// `x * rsqrt(mean(x²) + ε) * w` makes about 7 passes (square, mean, multiply, scale).
    case norm
    /// The gated activation silu(gate) · up: 3 passes fused, 5 eager (silu, then the product).
    case activation
    /// Rotary embedding of Q and K: 2 passes fused, about 4 eager (rotate and combine).
    case rotary

    public static func < (lhs: FusedKernel, rhs: FusedKernel) -> Bool { lhs.rawValue < rhs.rawValue }
}
