import CostModel
import Testing

/// ZeRO-3 traffic per layer and microbatch (docs/cost-model.md, "Communication"): the weights'
/// all-gather before the forward, in 16 bits or, where FP8 training gathers FP8 weights, in 8; only
/// its excess over the layer's compute is exposed, and the hidden part still slows that compute by
/// the profile's `overlapSlowdown` (Lee et al. 2025).
struct ShardedCollectiveTests {
    /// H100 SXM: 989 dense BF16 and 1979 dense FP8 TFLOP/s, NVLink 450 GB/s one direction.
    static let h100 = HardwareProfile(
        name: "h100", description: "H100 SXM", densePeakTFLOPS: [.bf16: 989, .fp8: 1979], memoryGiB: 80,
        memoryTBps: 3.35, linkGBpsOneDirection: 450, nicGbpsPerGPU: 400, gpusPerNode: 8, nvlinkDomainGPUs: 8)

    /// One Llama 3 70B layer on one of 8 GPUs of a node, ZeRO-3 over all 8.
    func layer(_ precision: Precision, framework: Framework) -> LayerCost {
        let config = ParallelConfiguration(
            data: 8, microbatchSize: 1, globalBatchSize: 8, sequenceLength: 2048, zeroStage: .weights,
            precision: precision)
        let cluster = ClusterDescription(name: "h100-8", profile: Self.h100, nodes: 1)
        return TrainingCost(model: Models.llama3_70b, cluster: cluster, config: config, framework: framework)
            .layer(.dense)
    }

    /// Without overlap the forward pays the whole gather: a Llama 3 70B layer has 855,654,400
    /// parameters (Q and O 8192², K and V 8192·1024 each, SwiGLU 3·8192·28672, two norms of 8192), so
    /// the ring all-gather moves 7/8 of 2 bytes each over NVLink at 0.75 × 450 GB/s, plus 7 hops of
    /// 2 µs: 4.4367 ms + 0.014 ms = 4.4507 ms; with FP8 weight gathers half the bytes, 2.2324 ms.
    @Test func exposedGatherBytesPerParameter() {
        var framework = Framework.megatronDefaults
        framework.parameterGatherOverlap = false
        framework.gradientReduceOverlap = false
        let bf16 = layer(.bf16, framework: framework)
        #expect(bf16.parameters == 855_654_400)
        #expect(abs(bf16.shardForwardCommSeconds - 4.4507e-3) < 1e-7, "\(bf16.shardForwardCommSeconds)")
        #expect(abs(layer(.fp8, framework: framework).shardForwardCommSeconds - 4.4507e-3) < 1e-7)
        framework.fp8WeightGather = true
        let fp8 = layer(.fp8, framework: framework)
        #expect(abs(fp8.shardForwardCommSeconds - 2.2324e-3) < 1e-7, "\(fp8.shardForwardCommSeconds)")
        // The flag is about FP8 training only: BF16 still gathers 16-bit weights.
        #expect(layer(.bf16, framework: framework).shardForwardCommSeconds == bf16.shardForwardCommSeconds)
    }

    /// Prefetched, the gather hides behind the forward; what hides costs 0.4 of its time: here the
    /// gather (4.45 ms) is shorter than the layer's forward, so the forward pays 0.4 × 4.4507 ms =
    /// 1.7803 ms and nothing is exposed. With a slowdown of 0 the gather is free.
    @Test func hiddenGatherSlowsTheCompute() {
        let framework = Framework.megatronDefaults
        let cost = layer(.bf16, framework: framework)
        #expect(cost.forwardComputeSeconds > 4.4507e-3)
        #expect(abs(cost.shardForwardCommSeconds - 0.4 * 4.4507e-3) < 1e-7, "\(cost.shardForwardCommSeconds)")
        var free = Self.h100
        free.efficiency.overlapSlowdown = 0
        let config = ParallelConfiguration(
            data: 8, microbatchSize: 1, globalBatchSize: 8, sequenceLength: 2048, zeroStage: .weights)
        let cluster = ClusterDescription(name: "h100-8", profile: free, nodes: 1)
        let unslowed = TrainingCost(model: Models.llama3_70b, cluster: cluster, config: config, framework: framework)
            .layer(.dense)
        #expect(unslowed.shardForwardCommSeconds == 0)
        // The slowdown is part of the layer's forward communication (and of data comm in the breakdown).
        #expect(abs(cost.forwardCommSeconds - unslowed.forwardCommSeconds - 0.4 * 4.4507e-3) < 1e-7)
    }

    /// A fully recomputed layer runs on the weights the backward's gather brings (FSDP unshards a unit
    /// once for its recompute and its backward): at tp 1 its recompute is its forward compute alone.
    @Test func recomputeDoesNotGatherAgain() {
        let config = ParallelConfiguration(
            data: 8, microbatchSize: 1, globalBatchSize: 8, sequenceLength: 2048, recompute: .full,
            zeroStage: .weights)
        let cluster = ClusterDescription(name: "h100-8", profile: Self.h100, nodes: 1)
        let cost = TrainingCost(
            model: Models.llama3_70b, cluster: cluster, config: config, framework: .megatronDefaults
        )
        .layer(.dense)
        #expect(cost.shardForwardCommSeconds > 0)
        #expect(abs(cost.fullRecomputeSeconds - cost.forwardComputeSeconds) < 1e-12)
    }

    /// A gather longer than the compute it hides behind: the two run side by side, so the pass lasts
    /// max(gather, compute + 0.4 · compute), and beyond the compute max(gather − compute, 0.4 · compute).
    /// At 256 tokens a Llama 3 70B layer's forward is far shorter than its 4.4507 ms gather.
    @Test func gatherLongerThanTheCompute() {
        let config = ParallelConfiguration(
            data: 8, microbatchSize: 1, globalBatchSize: 8, sequenceLength: 256, zeroStage: .weights)
        let cluster = ClusterDescription(name: "h100-8", profile: Self.h100, nodes: 1)
        let cost = TrainingCost(
            model: Models.llama3_70b, cluster: cluster, config: config, framework: .megatronDefaults
        )
        .layer(.dense)
        let compute = cost.forwardComputeSeconds
        #expect(compute < 4.4507e-3 / 1.4)
        #expect(abs(cost.shardForwardCommSeconds - (4.4507e-3 - compute)) < 1e-7, "\(cost.shardForwardCommSeconds)")
    }
}
