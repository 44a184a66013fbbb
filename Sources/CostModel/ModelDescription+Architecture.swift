/// The parts of a model's architecture that cost nothing to plan but that a launcher must name to
/// build the same network: how it normalises, where positions come from, and where it came from.
/// A Megatron-LM or torchtitan run left at its defaults builds GPT-2 (LayerNorm, learned absolute
/// positions, biases, tied embeddings, rotary base 10000), so these travel with the plan (issue 13).
public struct ModelArchitecture: Sendable, Hashable, Codable {
    /// The normalisation layer: RMSNorm (Llama, Mistral, Qwen, DeepSeek, Gemma) or LayerNorm (GPT, OPT, BLOOM).
    public enum Normalization: String, Sendable, Hashable, Codable {
        case rmsNorm = "rmsnorm"
        case layerNorm = "layernorm"
    }

    /// Where token positions enter: rotary embeddings (RoPE), a learned absolute table, or ALiBi biases.
    public enum PositionEmbedding: String, Sendable, Hashable, Codable {
        case rope, learned, alibi
    }

    /// The Hugging Face repository id (`_name_or_path` in a saved config.json), when the file has one.
    public var sourceId: String?
    /// `model_type` (llama, mistral, mixtral, qwen2, deepseek_v3, gpt2, ...), when the file has one.
    public var modelType: String?
    /// `hidden_act` as written (silu, gelu, gelu_new, relu, ...), lower-cased.
    public var activation: String
    public var normalization: Normalization
    /// `rms_norm_eps` or `layer_norm_epsilon`, when the file gives it.
    public var normEpsilon: Double?
    public var positionEmbedding: PositionEmbedding
    /// `rope_theta`, the rotary base, when the file gives it (Llama 3: 500000; Megatron's default is 10000).
    public var ropeTheta: Double?
    /// `rope_scaling.rope_type` when the file gives one ("llama3" for Llama 3.1 and later), and its `factor`.
    public var ropeScaling: String?
    public var ropeScalingFactor: Double?
    /// `sliding_window`: how many of the latest tokens each query attends to in the layers that use
    /// local attention (Mistral 7B v0.1: every layer; Gemma 2: every other layer, from the first),
    /// nil when every layer attends to the whole sequence (`use_sliding_window: false` in Qwen2).
    public var slidingWindow: Int?

    public init(
        sourceId: String? = nil, modelType: String? = nil, activation: String = "gelu",
        normalization: Normalization = .layerNorm, normEpsilon: Double? = nil,
        positionEmbedding: PositionEmbedding = .learned, ropeTheta: Double? = nil, ropeScaling: String? = nil,
        ropeScalingFactor: Double? = nil, slidingWindow: Int? = nil
    ) {
        self.sourceId = sourceId
        self.modelType = modelType
        self.activation = activation
        self.normalization = normalization
        self.normEpsilon = normEpsilon
        self.positionEmbedding = positionEmbedding
        self.ropeTheta = ropeTheta
        self.ropeScaling = ropeScaling
        self.ropeScalingFactor = ropeScalingFactor
        self.slidingWindow = slidingWindow
    }

    /// `model_type`s of the Llama lineage: RMSNorm and rotary positions even when the file omits
    /// `rms_norm_eps` and `rope_theta` (Hugging Face transformers' Llama, Mistral, Mixtral, Qwen2,
    /// Qwen3, DeepSeek and Gemma configuration classes default both).
    public static let ropeRMSNormTypes: Set<String> = [
        "llama", "mistral", "mixtral", "qwen2", "qwen2_moe", "qwen3", "qwen3_moe", "deepseek_v2", "deepseek_v3",
        "gemma", "gemma2", "gemma3_text",
    ]
}
