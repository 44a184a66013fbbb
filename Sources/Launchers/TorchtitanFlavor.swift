import CostModel

/// The model flavors torchtitan 0.2.2 ships, as its model registries define them, and the one a
/// plan's model is: every shape field equal, so that `[model] name/flavor` builds the planned network.
///
/// Values: torchtitan 0.2.2 (PyPI sdist/wheel; tag v0.2.2, 73a0e6979dd10b6b1904098eb3c8f62c18ab87ce)
/// torchtitan/models/llama3/__init__.py `llama3_args` (FFN width = multiple_of · ⌈ffn_dim_multiplier ·
/// ⌊8·dim/3⌋ / multiple_of⌉: 14336, 28672, 53248) and torchtitan/models/deepseek_v3/__init__.py
/// `deepseekv3_args` ("671B"). Qwen3 and Llama 4 flavors match no bundled model; torchtitan 0.2.2 has
/// no Mistral, Mixtral, Qwen2 or GPT-style model.
struct TorchtitanFlavor: Equatable {
    var name: String
    var flavor: String
    var layers, hidden, heads, keyValueHeads, ffn, vocabulary: Int
    var ropeTheta: Double
    var experts = 0
    var expertFFN = 0

    static let all: [TorchtitanFlavor] = [
        .init(
            name: "llama3", flavor: "8B", layers: 32, hidden: 4096, heads: 32, keyValueHeads: 8, ffn: 14336,
            vocabulary: 128_256, ropeTheta: 500_000),
        .init(
            name: "llama3", flavor: "70B", layers: 80, hidden: 8192, heads: 64, keyValueHeads: 8, ffn: 28672,
            vocabulary: 128_256, ropeTheta: 500_000),
        .init(
            name: "llama3", flavor: "405B", layers: 126, hidden: 16384, heads: 128, keyValueHeads: 8, ffn: 53248,
            vocabulary: 128_256, ropeTheta: 500_000),
        .init(
            name: "deepseek_v3", flavor: "671B", layers: 61, hidden: 7168, heads: 128, keyValueHeads: 128,
            ffn: 18432, vocabulary: 129_280, ropeTheta: 10_000, experts: 256, expertFFN: 2048),
    ]

    /// The flavor whose every field is the model's, or nil.
    static func matching(_ model: ModelDescription) -> TorchtitanFlavor? {
        all.first { flavor in
            flavor.layers == model.layers && flavor.hidden == model.hiddenSize && flavor.heads == model.attentionHeads
                && (model.latentAttention != nil || flavor.keyValueHeads == model.keyValueHeads)
                && flavor.ffn == model.ffnHiddenSize && flavor.vocabulary == model.vocabularySize
                && flavor.ropeTheta == (model.architecture.ropeTheta ?? 10_000)
                && flavor.experts == (model.moe?.experts ?? 0)
                && flavor.expertFFN == (model.moe?.expertFFNHiddenSize ?? 0)
        }
    }

    /// The torchtitan model family nearest to a model that has no flavor, for the note that says
    /// which flavor to define: llama3 for dense Llama-lineage models, deepseek_v3 for MLA, nil otherwise.
    static func family(of model: ModelDescription) -> String? {
        if model.latentAttention != nil { return "deepseek_v3" }
        if model.moe == nil && model.architecture.normalization == .rmsNorm && model.feedForward == .gated
            && !model.attentionBias && model.architecture.positionEmbedding == .rope
        {
            return "llama3"
        }
        return nil
    }
}
