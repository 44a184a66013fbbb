/// Parameter counts, from the shapes of every weight matrix (docs/cost-model.md, "Parameters").
extension ModelDescription {
    /// Attention weights of one layer: Q (h·a·d), K and V (2·h·k·d), O (a·d·h), plus QKV biases.
    /// With latent attention: the low-rank query path, the compressed KV path with its up-projection,
    /// and the output (DeepSeek-V2 paper, §2.1).
    public var attentionParameters: Double {
        let h = Double(hiddenSize), a = Double(attentionHeads)
        if let mla = latentAttention {
            let qk = Double(mla.queryKeyHeadDim), v = Double(mla.valueHeadDim)
            let query =
                mla.qLoraRank > 0
                ? h * Double(mla.qLoraRank) + Double(mla.qLoraRank) * a * qk + Double(mla.qLoraRank)
                : h * a * qk
            let kvDown = h * Double(mla.kvLoraRank + mla.ropeHeadDim) + Double(mla.kvLoraRank)
            let kvUp = Double(mla.kvLoraRank) * a * Double(mla.noPositionHeadDim + mla.valueHeadDim)
            return query + kvDown + kvUp + a * v * h
        }
        let d = Double(headDim), k = Double(keyValueHeads)
        let bias = attentionBias ? (a + 2 * k) * d : 0
        return h * a * d + 2 * h * k * d + a * d * h + bias
    }

    /// One dense FFN: 2·h·f (GELU) or 3·h·f (gated).
    public func feedForwardParameters(hidden f: Int) -> Double {
        Double(feedForward.matrices) * Double(hiddenSize) * Double(f)
    }

    /// RMSNorm/LayerNorm weights of one layer (two norms, weight only; biases are negligible).
    public var normParameters: Double { 2 * Double(hiddenSize) }

    /// Parameters of one dense layer.
    public var denseLayerParameters: Double {
        attentionParameters + feedForwardParameters(hidden: ffnHiddenSize) + normParameters
    }

    /// Parameters of one MoE layer: all routed experts, shared experts and the router (h·E).
    public var moeLayerParameters: Double {
        guard moe != nil else { return denseLayerParameters }
        return attentionParameters + normParameters + moeExpertParameters + moeNonExpertFFNParameters
    }

    /// Routed-expert weights of one MoE layer (sharded by expert parallelism).
    public var moeExpertParameters: Double {
        guard let moe else { return 0 }
        return Double(moe.experts) * feedForwardParameters(hidden: moe.expertFFNHiddenSize)
    }

    /// Shared experts and router of one MoE layer (replicated across expert parallelism).
    public var moeNonExpertFFNParameters: Double {
        guard let moe else { return 0 }
        return Double(moe.sharedExperts) * feedForwardParameters(hidden: moe.sharedExpertFFNHiddenSize)
            + Double(hiddenSize) * Double(moe.experts)
    }

    /// Parameters of one MoE layer that a token uses: top-k routed experts plus the rest.
    public var moeLayerActiveParameters: Double {
        guard let moe else { return denseLayerParameters }
        return attentionParameters + normParameters + moeNonExpertFFNParameters
            + Double(moe.expertsPerToken) * feedForwardParameters(hidden: moe.expertFFNHiddenSize)
    }

    /// Input embedding V·h.
    public var embeddingParameters: Double { Double(vocabularySize) * Double(hiddenSize) }
    /// Output layer V·h when untied (0 when it shares the embedding).
    public var outputLayerParameters: Double { tiedEmbeddings ? 0 : embeddingParameters }

    /// Every parameter of the model, as publishers count them (embedding once when tied).
    public var totalParameters: Double {
        Double(denseLayers) * denseLayerParameters + Double(moeLayers) * moeLayerParameters
            + embeddingParameters + outputLayerParameters + Double(hiddenSize)
    }

    /// Parameters a token is computed with (MoE: top-k experts only).
    public var activeParameters: Double {
        Double(denseLayers) * denseLayerParameters + Double(moeLayers) * moeLayerActiveParameters
            + embeddingParameters + outputLayerParameters + Double(hiddenSize)
    }
}
