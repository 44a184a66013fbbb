/// A decoder-only transformer as a Hugging Face `config.json` describes it.
///
/// Values only; parameter counts and costs are derived in extensions.
public struct ModelDescription: Sendable, Hashable, Codable {
    /// What a feed-forward block multiplies: two matrices (GELU, ReLU) or three (SwiGLU, GeGLU).
    public enum FeedForward: String, Sendable, Hashable, Codable {
        case twoMatrices, gated
        public var matrices: Int { self == .gated ? 3 : 2 }
    }

    public var name: String
    public var layers: Int
    public var hiddenSize: Int
    public var attentionHeads: Int
    public var keyValueHeads: Int
    public var headDim: Int
    public var ffnHiddenSize: Int
    public var vocabularySize: Int
    public var maxPositions: Int
    public var feedForward: FeedForward
    public var tiedEmbeddings: Bool
    /// QKV projections carry biases (Qwen2, GPT-2, BLOOM).
    public var attentionBias: Bool
    public var moe: MixtureOfExperts?
    public var latentAttention: LatentAttention?
    /// Normalisation, positions, activation name and source id: what a launcher needs beyond the shape.
    public var architecture: ModelArchitecture

    public init(
        name: String, layers: Int, hiddenSize: Int, attentionHeads: Int, keyValueHeads: Int? = nil,
        headDim: Int? = nil, ffnHiddenSize: Int, vocabularySize: Int, maxPositions: Int = 2048,
        feedForward: FeedForward = .twoMatrices, tiedEmbeddings: Bool = true, attentionBias: Bool = false,
        moe: MixtureOfExperts? = nil, latentAttention: LatentAttention? = nil,
        architecture: ModelArchitecture = ModelArchitecture()
    ) {
        self.name = name
        self.layers = layers
        self.hiddenSize = hiddenSize
        self.attentionHeads = attentionHeads
        self.keyValueHeads = keyValueHeads ?? attentionHeads
        self.headDim = headDim ?? hiddenSize / max(attentionHeads, 1)
        self.ffnHiddenSize = ffnHiddenSize
        self.vocabularySize = vocabularySize
        self.maxPositions = maxPositions
        self.feedForward = feedForward
        self.tiedEmbeddings = tiedEmbeddings
        self.attentionBias = attentionBias
        self.moe = moe
        self.latentAttention = latentAttention
        self.architecture = architecture
    }

    /// Layers whose FFN is dense (all of them without MoE; the first k with `first_k_dense_replace`).
    public var denseLayers: Int { moe.map { min($0.denseLayers, layers) } ?? layers }
    /// Layers whose FFN is a mixture of experts.
    public var moeLayers: Int { layers - denseLayers }
}

/// Routed experts of a mixture-of-experts FFN (Mixtral, DeepSeek-V3, Qwen3-MoE).
public struct MixtureOfExperts: Sendable, Hashable, Codable {
    public var experts: Int
    public var expertsPerToken: Int
    /// Hidden size of one routed expert's FFN.
    public var expertFFNHiddenSize: Int
    /// Always-active shared experts, each of `sharedExpertFFNHiddenSize`.
    public var sharedExperts: Int
    public var sharedExpertFFNHiddenSize: Int
    /// Leading layers that keep a dense FFN (`first_k_dense_replace`).
    public var denseLayers: Int

    public init(
        experts: Int, expertsPerToken: Int, expertFFNHiddenSize: Int, sharedExperts: Int = 0,
        sharedExpertFFNHiddenSize: Int? = nil, denseLayers: Int = 0
    ) {
        self.experts = experts
        self.expertsPerToken = expertsPerToken
        self.expertFFNHiddenSize = expertFFNHiddenSize
        self.sharedExperts = sharedExperts
        self.sharedExpertFFNHiddenSize = sharedExpertFFNHiddenSize ?? expertFFNHiddenSize
        self.denseLayers = denseLayers
    }
}

/// Multi-head latent attention (DeepSeek-V2/V3): low-rank query and key-value projections and a
/// compressed KV cache of `kvLoraRank + ropeHeadDim` values per token per layer.
public struct LatentAttention: Sendable, Hashable, Codable {
    /// 0 when queries are projected directly (no query compression).
    public var qLoraRank: Int
    public var kvLoraRank: Int
    public var noPositionHeadDim: Int
    public var ropeHeadDim: Int
    public var valueHeadDim: Int

    public init(qLoraRank: Int, kvLoraRank: Int, noPositionHeadDim: Int, ropeHeadDim: Int, valueHeadDim: Int) {
        self.qLoraRank = qLoraRank
        self.kvLoraRank = kvLoraRank
        self.noPositionHeadDim = noPositionHeadDim
        self.ropeHeadDim = ropeHeadDim
        self.valueHeadDim = valueHeadDim
    }

    /// Query/key head dimension: the part without positions plus the rotary part.
    public var queryKeyHeadDim: Int { noPositionHeadDim + ropeHeadDim }
}
