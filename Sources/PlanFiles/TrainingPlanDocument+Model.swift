import CostModel

extension TrainingPlanDocument {
    /// The model a plan was made for: `name`, `parameters`, `activeParameters` (differs from
    /// `parameters` for mixture-of-experts models) and `layers`, which other programs read, and the
    /// full description the model file gave (docs/plan-json.md), so that a launcher file needs
    /// nothing but the plan. Training and inference plans share it.
    ///
    /// The description keys are optional when read, so plans written before they existed still
    /// decode; `description` is then nil and exports say to re-create the plan.
    package struct ModelSection: Codable, Sendable {
        package var name: String
        package var parameters: Double
        package var activeParameters: Double
        package var layers: Int
        /// `_name_or_path` of the config.json (a Hugging Face id such as "meta-llama/Meta-Llama-3-8B").
        package var sourceId: String?
        package var modelType: String?
        package var hiddenSize: Int?
        package var attentionHeads: Int?
        package var keyValueHeads: Int?
        package var headDim: Int?
        package var ffnHiddenSize: Int?
        package var vocabularySize: Int?
        package var maxPositions: Int?
        /// `hidden_act` as the file gives it ("silu", "gelu", ...).
        package var activation: String?
        /// "gated" (three FFN matrices: SwiGLU, GeGLU) or "twoMatrices".
        package var feedForward: ModelDescription.FeedForward?
        package var tiedEmbeddings: Bool?
        /// Biases on the QKV projections (Qwen2, GPT-2, BLOOM).
        package var attentionBias: Bool?
        /// "rmsnorm" or "layernorm".
        package var normalization: ModelArchitecture.Normalization?
        package var normEpsilon: Double?
        /// "rope", "learned" or "alibi".
        package var positionEmbedding: ModelArchitecture.PositionEmbedding?
        /// The rotary base (`rope_theta`) when the file gives it.
        package var ropeTheta: Double?
        /// `rope_scaling.rope_type` and `factor` when the file gives them (Llama 3.1: "llama3", 8).
        package var ropeScaling: String?
        package var ropeScalingFactor: Double?
        /// `sliding_window` when the model's local-attention layers use one (Mistral 7B v0.1, Gemma 2).
        package var slidingWindow: Int?
        /// Routed and shared experts (mixture-of-experts models only).
        package var moe: MixtureOfExperts?
        /// Multi-head latent attention ranks and head sizes (DeepSeek-V2/V3 only).
        package var latentAttention: LatentAttention?

        package init(_ model: ModelDescription) {
            name = model.name
            parameters = model.totalParameters
            activeParameters = model.activeParameters
            layers = model.layers
            let architecture = model.architecture
            sourceId = architecture.sourceId
            modelType = architecture.modelType
            hiddenSize = model.hiddenSize
            attentionHeads = model.attentionHeads
            keyValueHeads = model.keyValueHeads
            headDim = model.headDim
            ffnHiddenSize = model.ffnHiddenSize
            vocabularySize = model.vocabularySize
            maxPositions = model.maxPositions
            activation = architecture.activation
            feedForward = model.feedForward
            tiedEmbeddings = model.tiedEmbeddings
            attentionBias = model.attentionBias
            normalization = architecture.normalization
            normEpsilon = architecture.normEpsilon
            positionEmbedding = architecture.positionEmbedding
            ropeTheta = architecture.ropeTheta
            ropeScaling = architecture.ropeScaling
            ropeScalingFactor = architecture.ropeScalingFactor
            slidingWindow = architecture.slidingWindow
            moe = model.moe
            latentAttention = model.latentAttention
        }

        /// The model description again, when the plan carries it (every shape key present).
        package var description: ModelDescription? {
            guard let hiddenSize, let attentionHeads, let keyValueHeads, let headDim, let ffnHiddenSize,
                let vocabularySize, let maxPositions, let feedForward, let tiedEmbeddings, let attentionBias,
                let normalization, let positionEmbedding
            else { return nil }
            return ModelDescription(
                name: name, layers: layers, hiddenSize: hiddenSize, attentionHeads: attentionHeads,
                keyValueHeads: keyValueHeads, headDim: headDim, ffnHiddenSize: ffnHiddenSize,
                vocabularySize: vocabularySize, maxPositions: maxPositions, feedForward: feedForward,
                tiedEmbeddings: tiedEmbeddings, attentionBias: attentionBias, moe: moe,
                latentAttention: latentAttention,
                architecture: ModelArchitecture(
                    sourceId: sourceId, modelType: modelType, activation: activation ?? "gelu",
                    normalization: normalization, normEpsilon: normEpsilon, positionEmbedding: positionEmbedding,
                    ropeTheta: ropeTheta, ropeScaling: ropeScaling, ropeScalingFactor: ropeScalingFactor,
                    slidingWindow: slidingWindow))
        }
    }
}
