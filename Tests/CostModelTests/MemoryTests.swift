import CostModel
import Testing

struct MemoryTests {
    func cost(
        _ model: ModelDescription, nodes: Int = 1, _ config: ParallelConfiguration,
        framework: Framework = .megatronDefaults
    ) -> TrainingCost {
        TrainingCost(model: model, cluster: Devices.cluster(nodes: nodes), config: config, framework: framework)
    }

    /// Korthikanti et al. 2022, Table 2, tensor + sequence parallel: s·b·h·(34 + 5·a·s/h)/t per layer.
    /// With a flash-attention core the 5·a·s/h term becomes the fp32 log-sum-exp (4·s·b·a bytes), and
    /// without dropout the two 1-byte masks (2·s·b·h) go: GPT-3 175B, s 2048, b 1, t 8:
    /// (32·2048·12288 + 4·2048·96)/8 = 100,761,600 bytes (Korthikanti's 34·sbh/t = 106,954,752).
    @Test func gpt3ActivationsPerLayer() {
        let config = ParallelConfiguration(
            tensor: 8, pipeline: 8, data: 1, microbatchSize: 1, globalBatchSize: 64,
            sequenceLength: 2048, sequenceParallel: true)
        let layer = cost(Models.gpt3_175b, nodes: 8, config).layer(.dense)
        #expect(layer.activationBytes == 100_761_600)
        #expect(abs(layer.activationBytes / 106_954_752 - 1) < 0.06)
        // Full recompute keeps the layer input: 2·s·b·h/t = 6,291,456 bytes.
        #expect(layer.checkpointBytes == 6_291_456)
    }

    /// Without sequence parallelism 10·s·b·h stays replicated (Korthikanti Table 2, "tensor parallel"):
    /// 8·sbh (norm, QKV and FFN inputs) replicated + (6 + 2 + 16)·sbh/t + log-sum-exp.
    @Test func withoutSequenceParallelism() {
        let config = ParallelConfiguration(
            tensor: 8, pipeline: 8, data: 1, microbatchSize: 1, globalBatchSize: 64,
            sequenceLength: 2048, sequenceParallel: false)
        let layer = cost(Models.gpt3_175b, nodes: 8, config).layer(.dense)
        let sbh: Double = 2048 * 12288
        let replicated: Double = 8 * sbh
        let split: Double = 24 * sbh / 8
        let logSumExp: Double = 4 * 2048 * 96 / 8
        #expect(layer.activationBytes == replicated + split + logSumExp)
    }

    /// Megatron-Core keeps fp32 main gradients under bf16 (its distributed-optimizer table): 2 (weights)
    /// + 4 (gradients) + 12 (fp32 master copy, two moments) = 18 bytes per parameter without sharding;
    /// the distributed optimizer over d = 8: 6 + 12/8 = 7.5; ZeRO-2: 2 + 16/8 = 4; ZeRO-3: 18/8 = 2.25.
    @Test(arguments: [(0, 18.0), (1, 7.5), (2, 4.0), (3, 2.25)] as [(ZeROStage, Double)])
    func megatronStateBytes(stage: ZeROStage, perParameter: Double) {
        let config = ParallelConfiguration(
            tensor: 1, pipeline: 1, data: 8, microbatchSize: 1, globalBatchSize: 8,
            sequenceLength: 2048, zeroStage: stage)
        let bytes = cost(Models.gpt3_175b, config).stateBytes(denseParameters: 1e9, expertParameters: 0)
        #expect(abs(bytes - perParameter * 1e9) < 1)
    }

    /// The ZeRO paper's mixed precision keeps 16-bit gradients (Rajbhandari et al. 2020, Figure 1, K = 12):
    /// 16 bytes per parameter; over N_d = 8: P_os 4 + 12/8 = 5.5, P_os+g 2 + 14/8 = 3.75, P_os+g+p 16/8 = 2.
    @Test(arguments: [(0, 16.0), (1, 5.5), (2, 3.75), (3, 2.0)] as [(ZeROStage, Double)])
    func zeroPaperStateBytes(stage: ZeROStage, perParameter: Double) {
        var paper = Framework.megatronDefaults
        paper.gradientAccumulationBytes = 2
        let config = ParallelConfiguration(
            tensor: 1, pipeline: 1, data: 8, microbatchSize: 1, globalBatchSize: 8,
            sequenceLength: 2048, zeroStage: stage)
        let bytes = cost(Models.gpt3_175b, config, framework: paper).stateBytes(
            denseParameters: 1e9, expertParameters: 0)
        #expect(abs(bytes - perParameter * 1e9) < 1)
    }

    /// Weight memory never grows as tensor parallelism grows.
    @Test func weightsShrinkWithTensorParallelism() {
        var previous = Double.infinity
        for t in [1, 2, 4, 8] {
            let config = ParallelConfiguration(
                tensor: t, pipeline: 1, data: 8 / t, microbatchSize: 1, globalBatchSize: 8,
                sequenceLength: 2048)
            let state = cost(Models.llama3_70b, config).layer(.dense).stateBytes
            #expect(state < previous)
            previous = state
        }
    }
}
