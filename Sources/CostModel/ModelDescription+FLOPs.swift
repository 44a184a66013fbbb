/// Model FLOPs per token, the numerator of MFU: 3 × the forward pass (backward ≈ 2× forward),
/// counting each token's routed experts only and no recompute.
extension ModelDescription {
    /// Forward FLOPs per token at sequence length `s`: 2 × the matmul parameters a token uses
    /// (norms and the input embedding lookup excluded, the output layer included), plus the attention
    /// core 4·s·a·d per layer non-causal (scores and weighted values), half that when `causal`.
    ///
    /// For GPT (f = 4h, MHA, non-causal) three times this is Narayanan et al. 2021's
    /// 72·L·h²·(1 + s/(6h) + V/(12·L·h)) per token.
    public func forwardFLOPsPerToken(sequenceLength s: Int, causal: Bool = true) -> Double {
        let matmuls =
            Double(denseLayers) * (denseLayerParameters - normParameters)
            + Double(moeLayers) * (moeLayerActiveParameters - normParameters)
            + Double(vocabularySize) * Double(hiddenSize)
        let qk = Double(latentAttention?.queryKeyHeadDim ?? headDim)
        let v = Double(latentAttention?.valueHeadDim ?? headDim)
        let core = 2 * Double(s) * Double(attentionHeads) * (qk + v) * Double(layers) * (causal ? 0.5 : 1)
        return 2 * matmuls + core
    }

    /// Model FLOPs per token for a training step (forward and backward): 3 × forward.
    public func trainingFLOPsPerToken(sequenceLength s: Int, causal: Bool = true) -> Double {
        3 * forwardFLOPsPerToken(sequenceLength: s, causal: causal)
    }
}
