/// Numeric formats a step can run its matrix multiplies in, or store weights and KV cache in.
public enum Precision: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case fp32, tf32, fp16, bf16, fp8, int8, int4, fp4

    /// Bytes one value occupies in memory.
    public var bytes: Double {
        switch self {
        case .fp32, .tf32: 4
        case .fp16, .bf16: 2
        case .fp8, .int8: 1
        case .int4, .fp4: 0.5
        }
    }

    /// Whether this is a training precision a planner may choose (fp32 included for completeness).
    public var isTrainingPrecision: Bool {
        switch self {
        case .fp32, .fp16, .bf16, .fp8: true
        default: false
        }
    }

    public static func < (lhs: Precision, rhs: Precision) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// How much of the forward pass is recomputed in the backward pass to save activation memory.
public enum RecomputeGranularity: String, Sendable, Hashable, Codable, CaseIterable {
    /// Every activation the backward pass needs is stored.
    case none
    /// Only the attention core is recomputed (Korthikanti et al. 2022, §5); with a flash-attention
    /// core this saves little memory and costs little time.
    case selective
    /// Whole layers are recomputed from their stored input (activation checkpointing); the planner
    /// decides how many layers per stage.
    case full
}

/// Parts of a layer that selective recompute recomputes, as Megatron-Core's `recompute_modules` names
/// them (megatron/core/transformer/transformer_config.py): each drops the activations it would
/// otherwise keep for the backward pass and pays one more forward of its GEMMs.
public enum RecomputeModule: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// The attention core (scores and softmax): the default, and all that `selective` means alone.
    case coreAttention = "core_attn"
    /// The norms' outputs, which are the QKV and FFN GEMM inputs.
    case layerNorm = "layernorm"
    /// The up-projections of latent attention: Q, K and V are rebuilt from the stored latents.
    case latentUpProjection = "mla_up_proj"
    /// The dense feed-forward block of dense layers.
    case mlp
    /// The routed and shared experts of MoE layers.
    case moe
    /// The activation function inside the experts.
    case moeActivation = "moe_act"

    public static func < (lhs: RecomputeModule, rhs: RecomputeModule) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// How far data-parallel replicas shard the training state (Rajbhandari et al. 2020, "ZeRO"): the
/// optimizer state from stage 1 (Megatron's distributed optimizer), the gradients too from stage 2,
/// and the weights as well at stage 3 (FSDP). Written and read as its number, 0 to 3.
public enum ZeROStage: Int, Sendable, Hashable, Codable, CaseIterable, Comparable, CustomStringConvertible,
    ExpressibleByIntegerLiteral
{
    case replicated = 0
    case optimizer = 1
    case gradients = 2
    case weights = 3

    /// A stage written as a literal in code (`zeroStage: 1`); input from files and flags goes
    /// through `init?(rawValue:)`, which refuses numbers outside 0–3.
    public init(integerLiteral value: Int) {
        guard let stage = ZeROStage(rawValue: value) else { preconditionFailure("ZeRO stage \(value) is not 0–3") }
        self = stage
    }

    public var description: String { String(rawValue) }

    public static func < (lhs: ZeROStage, rhs: ZeROStage) -> Bool { lhs.rawValue < rhs.rawValue }
}
