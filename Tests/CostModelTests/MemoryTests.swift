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

    /// PyTorch DDP (nanotron) keeps its own bf16 bucket for every parameter besides the fp32 accumulation
    /// buffer once there are two data-parallel ranks: 2 + (4 + 2) + 12 = 20 bytes per parameter at ZeRO 0
    /// over d = 8, 2 + 6 + 12/8 = 9.5 at ZeRO 1, and 18 without data parallelism (no wrapper).
    @Test(arguments: [(8, 0, 20.0), (8, 1, 9.5), (1, 0, 18.0)] as [(Int, ZeROStage, Double)])
    func dataParallelBucket(d: Int, stage: ZeROStage, perParameter: Double) {
        var nanotron = Framework.megatronDefaults
        nanotron.dataParallelBucketBytes = 2
        let config = ParallelConfiguration(
            tensor: 1, pipeline: 1, data: d, microbatchSize: 1, globalBatchSize: 8,
            sequenceLength: 2048, zeroStage: stage)
        let bytes = cost(Models.gpt3_175b, config, framework: nanotron).stateBytes(
            denseParameters: 1e9, expertParameters: 0)
        #expect(abs(bytes - perParameter * 1e9) < 1)
    }

    /// Full recompute keeps every layer's input and rebuilds one layer at a time for its backward
    /// (Korthikanti et al. 2022, §4.3): GPT-3 175B, s 2048, b 1, t 8 with sequence parallelism, all 96
    /// layers on one stage, one microbatch in flight: 96 × 6,291,456 bytes of inputs plus one layer's
    /// 100,761,600 bytes.
    @Test func fullRecomputeRebuildsOneLayer() {
        let config = ParallelConfiguration(
            tensor: 8, pipeline: 1, data: 1, microbatchSize: 1, globalBatchSize: 1,
            sequenceLength: 2048, sequenceParallel: true, recompute: .full)
        let table = cost(Models.gpt3_175b, config).pipelineTable
        #expect(table.onceActivationBytesPerRank == 100_761_600)
        let layout = StageLayout.uniform(groups: [96], chunks: 1, recomputeAll: true)
        let activations = table.rankMemory(layout)[0].activationBytes
        #expect(activations == 96 * 6_291_456 + 100_761_600)
        let none = cost(
            Models.gpt3_175b,
            ParallelConfiguration(
                tensor: 8, pipeline: 1, data: 1, microbatchSize: 1, globalBatchSize: 1,
                sequenceLength: 2048, sequenceParallel: true))
        #expect(none.pipelineTable.onceActivationBytesPerRank == 0)
        #expect(table.extraBytes(rank: 0) - none.pipelineTable.extraBytes(rank: 0) == 100_761_600)
    }

    /// The allocator's reservation adds 15% of the activations (GMLake's measured fragmentation) and
    /// nothing for the state: GPT-3 175B with full recompute on t 8 holds 96 kept inputs (6,291,456 bytes
    /// each) plus one rebuilt layer (100,761,600) on top of the loss's buffers, so at least
    /// 0.15 × 704,643,072 = 105,696,461 bytes more are reserved; ZeRO-1 against none changes the
    /// state by gigabytes and the reservation's extra not at all.
    @Test func allocatorReservesFragmentationOfActivationsOnly() {
        func estimate(_ zero: ZeROStage) -> TrainingEstimate {
            let config = ParallelConfiguration(
                tensor: 8, pipeline: 1, data: 2, microbatchSize: 1, globalBatchSize: 2,
                sequenceLength: 2048, sequenceParallel: true, recompute: .full, zeroStage: zero)
            let layout = StageLayout.uniform(groups: [96], chunks: 1, recomputeAll: true)
            return cost(Models.gpt3_175b, nodes: 2, config).estimate(layout: layout)
        }
        let plain = estimate(0).memory, sharded = estimate(1).memory
        #expect(Assumption.allocatorFragmentation == 0.15)
        #expect(plain.activationsBytes >= 96 * 6_291_456 + 100_761_600)
        let extra = plain.allocatorReservedBytes - plain.totalBytes
        #expect(abs(extra - 0.15 * plain.activationsBytes) < 1)
        #expect(extra >= 105_696_460)
        #expect(plain.optimizerBytes - sharded.optimizerBytes > 1e9)
        #expect(abs(sharded.allocatorReservedBytes - sharded.totalBytes - extra) < 1)
    }

    /// Distributed checkpoints (metaseq --distribute-checkpointed-activations, OPT-175B's launcher): without
    /// sequence parallelism the kept input 2·s·b·h = 50,331,648 bytes (GPT-3 175B, s 2048, b 1) is split
    /// over t 8 to 6,291,456, and its recompute first all-gathers the whole 50,331,648 bytes again.
    @Test func distributedCheckpointsSplitTheKeptInput() {
        let config = ParallelConfiguration(
            tensor: 8, pipeline: 1, data: 1, microbatchSize: 1, globalBatchSize: 1,
            sequenceLength: 2048, sequenceParallel: false, recompute: .full)
        var framework = Framework.megatronDefaults
        let whole = cost(Models.gpt3_175b, config, framework: framework)
        framework.distributedCheckpoints = true
        let split = cost(Models.gpt3_175b, config, framework: framework)
        #expect(whole.layer(.dense).checkpointBytes == 50_331_648)
        #expect(split.layer(.dense).checkpointBytes == 6_291_456)
        let link = Devices.cluster(nodes: 1).link(groupSize: 8, stride: 1)
        let gather = link.gatherSeconds(bytes: 50_331_648, group: 8)
        #expect(gather > 0)
        let extra = split.layer(.dense).fullRecomputeSeconds - whole.layer(.dense).fullRecomputeSeconds
        #expect(abs(extra - gather) < 1e-12)
        // With sequence parallelism the input is split already and nothing is gathered for it.
        var parallel = config
        parallel.sequenceParallel = true
        #expect(
            cost(Models.gpt3_175b, parallel, framework: framework).layer(.dense).fullRecomputeSeconds
                == cost(Models.gpt3_175b, parallel).layer(.dense).fullRecomputeSeconds)
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

/// torchtitan's per-op selective recompute (`SelectiveRecompute.everySecondMatmul`), worked by hand.
struct PerOpRecomputeTests {
    /// Llama 3 8B (h 4096, 32 heads of 128, 8 KV heads, SwiGLU 14336), t 1, 2 × 8192 tokens: T = 16,384.
    /// The block runs wq, wk, wv, wo, w1, w3, w2; kept are the input 2·T·h = 134,217,728 bytes, the
    /// outputs of wq, wv, w1, w2 (4096 + 1024 + 14336 + 4096 = 23,552 values per token) 2·T·23,552 =
    /// 771,751,936, the attention output 2·T·4096 = 134,217,728 and its log-sum-exp 4·T·32 = 2,097,152:
    /// 1,042,284,544 bytes, against 2,283,798,528 for everything Megatron's selective mode keeps here.
    @Test func llama8BKeepsEverySecondMatmulOutput() {
        let model = ModelDescription(
            name: "llama3-8b", layers: 32, hiddenSize: 4096, attentionHeads: 32, keyValueHeads: 8,
            ffnHiddenSize: 14336, vocabularySize: 128256, maxPositions: 8192, feedForward: .gated,
            tiedEmbeddings: false)
        let config = ParallelConfiguration(
            data: 8, microbatchSize: 2, globalBatchSize: 16, sequenceLength: 8192, recompute: .selective,
            zeroStage: 3)
        var torchtitan = Framework.megatronDefaults
        torchtitan.selectiveRecompute = .everySecondMatmul
        let cluster = Devices.cluster(nodes: 1)
        let perOp = TrainingCost(model: model, cluster: cluster, config: config, framework: torchtitan).layer(.dense)
        let modules = TrainingCost(model: model, cluster: cluster, config: config, framework: .megatronDefaults)
            .layer(.dense)
        #expect(perOp.activationBytes == 1_042_284_544)
        #expect(modules.activationBytes == 2_283_798_528)
        // Recomputing wk, wo and w3 (2,611 GFLOP of the forward matmuls' 7,147) and the memory-bound ops costs
        // more than the attention core alone and less than the whole forward.
        #expect(perOp.selectiveRecomputeSeconds > modules.selectiveRecomputeSeconds)
        #expect(perOp.selectiveRecomputeSeconds < perOp.fullRecomputeSeconds)
    }
}
