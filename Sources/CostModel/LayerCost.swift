/// What one transformer layer costs one device for one microbatch: time of each pass, activation
/// memory, and the parameter state it pins. The planner adds these up per pipeline stage.
public struct LayerCost: Sendable, Hashable {
    /// Forward time: GEMMs, attention core, memory-bound kernels, launch overhead.
    public var forwardComputeSeconds: Double
    /// Backward time: 2× the GEMMs, 2.5× the flash-attention core (it recomputes scores;
    /// `Assumption.flashBackwardOverForward`).
    public var backwardComputeSeconds: Double
    /// Exposed communication of the forward pass (tensor, context and expert parallel; ZeRO-2/3 traffic).
    public var forwardCommSeconds: Double
    public var backwardCommSeconds: Double
    /// The expert-parallel all-to-all (dispatch and combine) inside those, forward and backward.
    public var expertForwardCommSeconds: Double = 0
    public var expertBackwardCommSeconds: Double = 0
    /// The ZeRO-2/3 (FSDP) weight gathers and gradient reduce-scatters inside those, with the compute
    /// they slow where they hide: data-parallel traffic, though it is paid per layer.
    public var shardForwardCommSeconds: Double = 0
    public var shardBackwardCommSeconds: Double = 0
    /// Extra time when the layer is recomputed in full (one more forward, with its tensor, context and
    /// expert communication; the weights are the ones the backward's ZeRO-3 gather brings).
    public var fullRecomputeSeconds: Double
    /// Extra time under selective recompute (the attention core's forward).
    public var selectiveRecomputeSeconds: Double
    /// Activation bytes kept per microbatch when nothing is recomputed.
    public var activationBytes: Double
    /// Activation bytes kept per microbatch when the layer is recomputed in full (its input).
    public var checkpointBytes: Double
    /// Parameters held on the device (before ZeRO sharding).
    public var parameters: Double
    /// Weights, gradients and optimizer state on the device after ZeRO sharding, bytes.
    public var stateBytes: Double
    /// Data-parallel gradient reduction (and parameter gather) for this layer, per step, seconds.
    public var gradientSyncSeconds: Double
    /// The part of `gradientSyncSeconds` that all-gathers updated 16-bit weights after the optimizer
    /// (ZeRO 1 and 2): it cannot hide behind the backward, only behind the next step's first forward.
    public var parameterGatherSeconds: Double = 0
    /// Optimizer update of this layer's local shard, per step, seconds.
    public var optimizerSeconds: Double
    /// Model FLOPs of the forward pass on this device (causal attention, no recompute).
    public var forwardFLOPs: Double

    /// Microbatch time with no recompute (forward plus backward, compute plus exposed communication).
    public var microbatchSeconds: Double {
        forwardComputeSeconds + backwardComputeSeconds + forwardCommSeconds + backwardCommSeconds
    }
    public var computeSeconds: Double { forwardComputeSeconds + backwardComputeSeconds }
    public var commSeconds: Double { forwardCommSeconds + backwardCommSeconds }
}

/// The kinds of transformer layer whose costs differ.
public enum LayerKind: Sendable, Hashable, Codable {
    /// A layer with a dense feed-forward block.
    case dense
    /// A mixture-of-experts layer, with its experts' shape and routing.
    case moe(MixtureOfExperts)
}
