import CostModel
import Testing

/// CPU activation offload (Megatron-Core's cpu_offloading_num_layers): what it saves and what it costs.
struct OffloadTests {
    /// GPT-3 175B, s 2048, b 1, t 8 with sequence parallelism, all 96 layers on one stage: one layer
    /// keeps 100,761,600 bytes for its backward (MemoryTests.gpt3ActivationsPerLayer).
    func cost(
        offloaded: Int, hostGBps: Double?, recompute: RecomputeGranularity = .none, pipeline: Int = 1
    )
        -> TrainingCost
    {
        var profile = Devices.a100
        profile.hostLinkGBpsOneDirection = hostGBps
        var config = ParallelConfiguration(
            tensor: 8, pipeline: pipeline, data: 1, microbatchSize: 1, globalBatchSize: 8,
            sequenceLength: 2048, sequenceParallel: true, recompute: recompute)
        config.offloadedLayers = offloaded
        return TrainingCost(
            model: Models.gpt3_175b, cluster: ClusterDescription(name: "a100-8", profile: profile, nodes: pipeline),
            config: config, framework: .megatronDefaults)
    }

    /// 10 offloaded layers leave 10 × 100,761,600 = 1,007,616,000 bytes on the host, taken once off the
    /// rank (one microbatch in flight at pp 1).
    @Test func offloadedLayersLeaveTheDevice() {
        let none = cost(offloaded: 0, hostGBps: 64).pipelineTable
        let ten = cost(offloaded: 10, hostGBps: 64).pipelineTable
        #expect(ten.onceActivationBytesPerRank == -1_007_616_000)
        #expect(none.extraBytes(rank: 0) - ten.extraBytes(rank: 0) == 1_007_616_000)
        let layout = StageLayout.uniform(groups: [96], chunks: 1, recomputeAll: false)
        let saved = none.evaluate(layout).rankBytes[0] - ten.evaluate(layout).rankBytes[0]
        #expect(saved == 1_007_616_000)
    }

    /// Over PCIe Gen5 (64 GB/s, 0.77 of it: 49.28 GB/s) one layer's copy takes 100,761,600 / 49.28e9 =
    /// 2.04 ms, less than the next layer's forward (a 928 GFLOP GEMM load per GPU, over 4 ms on an
    /// A100): hidden, no time added.
    @Test func copiesShorterThanALayerAreHidden() {
        let c = cost(offloaded: 10, hostGBps: 64)
        let layer = c.layer(.dense)
        #expect(100_761_600 / 49.28e9 < layer.forwardComputeSeconds)
        #expect(c.offloadExposedSeconds.forward == 0)
        #expect(c.offloadExposedSeconds.backward == 0)
        let layout = StageLayout.uniform(groups: [96], chunks: 1, recomputeAll: false)
        #expect(
            c.estimate(layout: layout).stepSeconds
                == cost(offloaded: 0, hostGBps: 64).estimate(layout: layout).stepSeconds)
    }

    /// Over a 1 GB/s link (0.77 GB/s achieved) a copy takes 100,761,600 / 0.77e9 = 0.130859 s; each of
    /// the 10 layers exposes what the next layer's forward (and backward) does not cover, per microbatch.
    @Test func longCopiesShowInTheStep() {
        let c = cost(offloaded: 10, hostGBps: 1)
        let layer = c.layer(.dense)
        let copy = 100_761_600 / 0.77e9
        #expect(abs(copy - 0.130_859) < 1e-6)
        let forward = 10 * (copy - layer.forwardComputeSeconds - layer.forwardCommSeconds)
        let backward = 10 * (copy - layer.backwardComputeSeconds - layer.backwardCommSeconds)
        #expect(abs(c.offloadExposedSeconds.forward - forward) < 1e-12)
        #expect(abs(c.offloadExposedSeconds.backward - backward) < 1e-12)
        let layout = StageLayout.uniform(groups: [96], chunks: 1, recomputeAll: false)
        let added =
            c.estimate(layout: layout).stepSeconds
            - cost(offloaded: 0, hostGBps: 1).estimate(layout: layout).stepSeconds
        // 8 microbatches a step.
        #expect(abs(added - 8 * (forward + backward)) < 1e-9)
    }

    /// Megatron-Core's checks (transformer_config.py): fewer offloaded layers than the model has, pp 1,
    /// no recompute; and a host link to cost the copies with.
    @Test func whatOffloadNeeds() {
        func fields(_ c: TrainingCost) -> [ConfigurationProblem.Field] {
            c.config.problems(model: c.model, cluster: c.cluster).map(\.field)
        }
        #expect(fields(cost(offloaded: 95, hostGBps: 64)).isEmpty)
        #expect(fields(cost(offloaded: 96, hostGBps: 64)) == [.offloadedLayers])
        #expect(fields(cost(offloaded: 10, hostGBps: nil)) == [.offloadedLayers])
        #expect(fields(cost(offloaded: 10, hostGBps: 64, recompute: .full)) == [.offloadedLayers])
        #expect(fields(cost(offloaded: 10, hostGBps: 64, pipeline: 2)).contains(.offloadedLayers))
        #expect(fields(cost(offloaded: 0, hostGBps: nil, recompute: .full, pipeline: 2)).isEmpty)
        var torchtitan = Framework.megatronDefaults
        torchtitan.cpuActivationOffload = false
        #expect(torchtitan.problem(with: cost(offloaded: 10, hostGBps: 64).config) != nil)
        #expect(Framework.megatronDefaults.problem(with: cost(offloaded: 10, hostGBps: 64).config) == nil)
    }
}
