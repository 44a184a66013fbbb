/// One forward step of a continuous-batching engine (vLLM, SGLang, TensorRT-LLM in-flight
/// batching): some running sequences decode one token each while chunks of new prompts are
/// prefilled in the same step (docs/cost-model.md, "Serving under load").
public struct ServingStep: Sendable, Hashable {
    /// Sequences that decode one token in this step.
    public var decodes: Int
    /// KV-cache tokens those sequences attend over, summed.
    public var decodeContextTokens: Double
    /// Prompt tokens prefilled in this step (chunks of one or more prompts).
    public var prefillTokens: Int
    /// Causal attention pairs of the prefilled chunks: a chunk of c tokens that starts at position
    /// s attends over c·s + c²/2 positions.
    public var prefillPairs: Double
    /// Prompts whose last chunk is in this step: each samples its first token.
    public var completedPrefills: Int

    public init(
        decodes: Int = 0, decodeContextTokens: Double = 0, prefillTokens: Int = 0, prefillPairs: Double = 0,
        completedPrefills: Int = 0
    ) {
        self.decodes = decodes
        self.decodeContextTokens = decodeContextTokens
        self.prefillTokens = prefillTokens
        self.prefillPairs = prefillPairs
        self.completedPrefills = completedPrefills
    }

    /// Attention pairs of a chunk of `tokens` prompt tokens that starts at position `start`.
    public static func pairs(start: Int, tokens: Int) -> Double {
        Double(tokens) * Double(start) + 0.5 * Double(tokens) * Double(tokens)
    }
}

extension InferenceCost {
    /// Time of one mixed step: the weights and the decoding sequences' KV cache are read once, the
    /// GEMMs run over every token of the step, the attention core over each token's context, two
    /// all-reduces per layer over the step's tokens; the step takes the longer of reading and
    /// computing (decode is memory-bound, prefill compute-bound), the stages in turn, plus one
    /// fixed engine cost.
    /// A decode-only step of B sequences at context P + O/2 is `decodeStepSeconds`; a prefill-only
    /// step of whole prompts is `prefillSeconds(sequences:)` wherever the GEMMs outlast the weight read.
    public func stepSeconds(_ step: ServingStep) -> Double {
        let tokens = Double(step.decodes + step.prefillTokens)
        guard tokens > 0 else { return 0 }
        let bandwidth = profile.memoryBytesPerSecond
        let memory =
            weightBytes / (bandwidth * profile.efficiency.decodeMemory)
            + step.decodeContextTokens * kvBytesPerToken / (bandwidth * profile.efficiency.kvCacheMemory)
        let perPair = 4 * Double(model.attentionHeads) * Double(model.headDim) / t * stageLayers
        let attention = DeviceSpeed(profile: profile, precision: .bf16)
        let compute =
            gemmSpeed.gemmSeconds(flops: matmulFLOPsPerToken * tokens / stageLayers, count: stageLayers)
            + attention.gemmSeconds(flops: perPair * step.decodeContextTokens)
            + attention.gemmSeconds(flops: perPair * step.prefillPairs)
            + (step.prefillTokens == 0 ? 0 : prefillStageOverheadSeconds)
        let comm =
            stageLayers * 2
            * tensorLink.allReduceSeconds(bytes: tokens * Double(model.hiddenSize) * 2, group: config.tensor)
        let logits = gemmSpeed.gemmSeconds(
            flops: 2 * Double(step.completedPrefills) * Double(model.hiddenSize) * Double(model.vocabularySize) / t)
        // One fixed engine cost per forward: a decode step's, or a lone prefill's (the cost
        // `ttftSeconds` was fitted with) when the step carries prompt tokens, whichever is larger.
        let fixed = max(
            step.decodes > 0 ? stepOverheadSeconds : 0,
            step.prefillTokens > 0 ? prefillOverheadSeconds : 0)
        return p * (max(memory, compute) + comm) + logits + fixed
    }
}
