import CostModel
import Testing

/// `Framework.tritonFlashAttention`: the Triton port of FlashAttention runs the attention core 1.4×
/// slower forward and 2× slower backward than FlashAttention-2 (Dao 2023, arXiv:2307.08691, §4.1).
struct TritonAttentionTests {
    /// Llama-3 70B, t 8, one 8,192-token sequence: the core's causal forward is
    /// 0.5 · 2 · 8192 · 8192 · 64 · (128 + 128) / 8 = 137,438,953,472 FLOPs. On the A100 test profile it
    /// runs as GEMMs (G seconds); Triton adds 0.4·G to the forward and (2 − 1) · 2.5 · G to the
    /// backward, whose flash recompute is 2.5 forwards.
    @Test func tritonKernelSlowsTheCoreByThePapersFactors() {
        let config = ParallelConfiguration(
            tensor: 8, pipeline: 1, data: 1, microbatchSize: 1, globalBatchSize: 8, sequenceLength: 8192)
        func layer(triton: Bool) -> LayerCost {
            var framework = Framework.megatronDefaults
            framework.tritonFlashAttention = triton
            return TrainingCost(
                model: Models.llama3_70b, cluster: Devices.cluster(nodes: 1), config: config, framework: framework
            ).layer(.dense)
        }
        let flash = layer(triton: false), triton = layer(triton: true)
        let g = DeviceSpeed(profile: Devices.a100, precision: .bf16).gemmSeconds(flops: 137_438_953_472)
        #expect(g > 137_438_953_472 / 312e12)
        #expect(abs((triton.forwardComputeSeconds - flash.forwardComputeSeconds) / (0.4 * g) - 1) < 1e-9)
        #expect(abs((triton.backwardComputeSeconds - flash.backwardComputeSeconds) / (2.5 * g) - 1) < 1e-9)
    }
}
