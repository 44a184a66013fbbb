import CostModel
import Testing

struct InferenceCostTests {
    static let llama2_7b = ModelDescription(
        name: "llama2-7b", layers: 32, hiddenSize: 4096, attentionHeads: 32, ffnHiddenSize: 11008,
        vocabularySize: 32000, maxPositions: 4096, feedForward: .gated, tiedEmbeddings: false)

    func cost(
        _ model: ModelDescription, tp: Int = 1, batch: Int = 1, kv: Precision = .bf16, weights: Precision = .bf16
    ) -> InferenceCost {
        InferenceCost(
            model: model, cluster: Devices.cluster(nodes: 1),
            config: InferenceConfiguration(
                tensor: tp, batchSize: batch, promptTokens: 128, outputTokens: 128,
                precision: weights, kvCachePrecision: kv))
    }

    /// KV cache per token = 2·L·k·d·bytes (docs/cost-model.md, "Inference"): Llama-2-7B 2·32·32·128·2 = 524,288
    /// bytes; Llama-3-70B (GQA, 8 KV heads) 2·80·8·128·2 = 327,680; FP8 halves it; tp 8 splits the 8 heads.
    @Test func kvBytesPerToken() {
        #expect(cost(Self.llama2_7b).kvBytesPerToken == 524_288)
        #expect(cost(Models.llama3_70b).kvBytesPerToken == 327_680)
        #expect(cost(Models.llama3_70b, kv: .fp8).kvBytesPerToken == 163_840)
        #expect(cost(Models.llama3_70b, tp: 8).kvBytesPerToken == 40_960)
    }

    /// DeepSeek-V3's latent attention caches kv_lora_rank + rope dim = 576 values per layer:
    /// 61·576·2 = 70,272 bytes per token, whatever the tensor parallelism.
    @Test func latentAttentionCache() {
        let deepseek = ModelDescription(
            name: "deepseek-v3", layers: 61, hiddenSize: 7168, attentionHeads: 128, ffnHiddenSize: 18432,
            vocabularySize: 129280,
            feedForward: .gated, tiedEmbeddings: false,
            moe: MixtureOfExperts(
                experts: 256, expertsPerToken: 8, expertFFNHiddenSize: 2048, sharedExperts: 1, denseLayers: 3),
            latentAttention: LatentAttention(
                qLoraRank: 1536, kvLoraRank: 512, noPositionHeadDim: 128, ropeHeadDim: 64, valueHeadDim: 128))
        #expect(cost(deepseek).kvBytesPerToken == 70_272)
        #expect(cost(deepseek, tp: 8).kvBytesPerToken == 70_272)
    }

    /// A batch-1 decode step is memory-bound: Llama-2-7B in bf16 reads 2·6.74e9 bytes of weights
    /// (13.48 GB); at 70% of the A100's 2.039 TB/s that is 9.45 ms, plus the 2 ms step overhead
    /// (LMDeploy measured 10.0 ms per token at p50, serving-runs.md).
    @Test func batchOneDecodeIsTheWeightRead() {
        let step = cost(Self.llama2_7b).decodeStepSeconds
        let weights = Self.llama2_7b.totalParameters * 2
        let floor = weights / (2.039e12 * 0.7)
        #expect(step > floor + 0.002 && step < floor + 0.002 + 0.0005, "\(step)")
        #expect(abs(step - 0.0100) / 0.0100 < 0.20)
    }

    /// Weight-only int8 halves the bytes read, so the memory-bound step shrinks; FP8 likewise.
    @Test func quantisedWeightsDecodeFaster() {
        let bf16 = cost(Self.llama2_7b).decodeStepSeconds
        #expect(cost(Self.llama2_7b, weights: .int8).decodeStepSeconds < 0.6 * bf16 + 0.002)
        #expect(cost(Self.llama2_7b, weights: .int8).weightBytes * 2 == cost(Self.llama2_7b).weightBytes)
    }
}
