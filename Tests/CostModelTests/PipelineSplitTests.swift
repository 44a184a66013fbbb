import CostModel
import Testing

/// nanotron's own pipeline split (src/nanotron/models/base.py build_model), worked by hand.
struct PipelineSplitTests {
    /// The playbook's 1B (16 layers, h 2048, 32 heads of 64, ffn 8192, vocab 131072): a layer costs
    /// 4·32·64·2048 + 3·8192·2048 = 67,108,864, the head 131072·2048 = 268,435,456 (four layers), the
    /// total 1,342,177,280. Over 8 stages the thresholds are k · 167,772,160: the cumulative cost passes
    /// the first after layer 3 (201.3M), the second after layer 6 (402.7M; layer 5 lands exactly on
    /// 335,544,320, which is not past it), then after layers 8, 11, 13 and 16, and the head ends the
    /// seventh stage: 3, 3, 2, 3, 2, 3, 0, 0.
    @Test func playbook1BOverEightStages() {
        let layout = StageLayout.costThresholds(
            groups: [16], layerCosts: [67_108_864], headCost: 268_435_456, chunks: 8)
        #expect(layout.layers.map { $0[0] } == [3, 3, 2, 3, 2, 3, 0, 0])
        #expect(layout.recomputed.allSatisfy { $0 == [0] })
    }

    /// The playbook's 3B (28 layers, h 3072, 32 heads of 96, ffn 8192): layer 4·32·96·3072 +
    /// 3·8192·3072 = 113,246,208, head 131072·3072 = 402,653,184, total 3,573,547,008; quarters of
    /// 893,386,752 are passed after layers 8 (905.97M), 16 and 24: 8, 8, 8, 4, the head with the last.
    @Test func playbook3BOverFourStages() {
        let layout = StageLayout.costThresholds(
            groups: [28], layerCosts: [113_246_208], headCost: 402_653_184, chunks: 4, recomputeAll: true)
        #expect(layout.layers.map { $0[0] } == [8, 8, 8, 4])
        #expect(layout.recomputed == layout.layers)
    }

    /// The cost table takes the split from the framework: nanotron's for a framework that splits by
    /// itself, none (the planner chooses) for Megatron; the 1B's costs come from its shape.
    @Test func frameworkSetsTheFixedLayout() {
        let model = ModelDescription(
            name: "playbook-1b", layers: 16, hiddenSize: 2048, attentionHeads: 32, ffnHiddenSize: 8192,
            vocabularySize: 131072, maxPositions: 4096, feedForward: .gated, tiedEmbeddings: true)
        let config = ParallelConfiguration(
            pipeline: 8, data: 1, microbatchSize: 1, globalBatchSize: 64, sequenceLength: 4096, zeroStage: 0)
        var nanotron = Framework.megatronDefaults
        nanotron.pipelineSplit = .costThresholds
        let fixed = TrainingCost(model: model, cluster: Devices.cluster(nodes: 1), config: config, framework: nanotron)
            .pipelineTable.fixedLayout
        #expect(fixed?.layers.map { $0[0] } == [3, 3, 2, 3, 2, 3, 0, 0])
        let megatron = TrainingCost(
            model: model, cluster: Devices.cluster(nodes: 1), config: config, framework: .megatronDefaults)
        #expect(megatron.pipelineTable.fixedLayout == nil)
    }
}
