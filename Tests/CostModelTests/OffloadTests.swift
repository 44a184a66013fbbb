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

    /// 10 offloaded layers leave 9 × 100,761,600 = 906,854,400 bytes on the host, taken once off the
    /// rank (one microbatch in flight at pp 1): at the start of the backward TE has reloaded the last
    /// offloaded layer while the layers above it still hold theirs, so one offloaded layer's worth stays.
    @Test func offloadedLayersLeaveTheDevice() {
        let none = cost(offloaded: 0, hostGBps: 64).pipelineTable
        let ten = cost(offloaded: 10, hostGBps: 64).pipelineTable
        #expect(ten.onceActivationBytesPerRank == -906_854_400)
        #expect(none.extraBytes(rank: 0) - ten.extraBytes(rank: 0) == 906_854_400)
        let layout = StageLayout.uniform(groups: [96], chunks: 1, recomputeAll: false)
        let saved = none.evaluate(layout).rankBytes[0] - ten.evaluate(layout).rankBytes[0]
        #expect(saved == 906_854_400)
        // The picture's split: the saving comes off the activations, not the state.
        let split = { (table: PipelineCostTable) in table.rankMemory(layout)[0] }
        #expect(split(none).stateBytes == split(ten).stateBytes)
        #expect(split(none).activationBytes - split(ten).activationBytes == 906_854_400)
    }

    /// TE's layer_window_map, worked by hand: 96 layers, 10 offloaded: ⌊96/10⌋ = 9 per window and the
    /// first 96 mod 10 = 6 windows one wider, so windows end at layers 9, 19, …, 59, then 68, 77, 86, 95;
    /// 80 and 40: every second layer; 80 and 79: windows of one layer after a first of two.
    @Test func copyWindowsFollowTransformerEngine() {
        #expect(TrainingCost.offloadWindowEnds(layers: 96, offloaded: 10) == [9, 19, 29, 39, 49, 59, 68, 77, 86, 95])
        #expect(TrainingCost.offloadWindowEnds(layers: 80, offloaded: 40) == (0..<40).map { 2 * $0 + 1 })
        #expect(TrainingCost.offloadWindowEnds(layers: 80, offloaded: 79) == Array(1...79))
        #expect(TrainingCost.offloadWindowEnds(layers: 80, offloaded: 0).isEmpty)
    }

    /// Over PCIe Gen5 (64 GB/s, 0.77 of it: 49.28 GB/s) one layer's copy takes 100,761,600 / 49.28e9 =
    /// 2.04 ms, less than one layer's forward (a 928 GFLOP GEMM load per GPU, over 4 ms on an A100),
    /// let alone a window of 9: hidden, no time added.
    @Test func copiesShorterThanTheirWindowAreHidden() {
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

    /// Over a 0.1 GB/s link (0.077 GB/s achieved) a copy takes 100,761,600 / 0.077e9 = 1.30859 s; each
    /// of the 10 copies exposes what its window (9, 10, 10, 10, 10, 10, 9, 9, 9, 9 layers: the first
    /// window starts after layer 0) does not cover, forward and backward, per microbatch.
    @Test func longCopiesShowInTheStep() {
        let c = cost(offloaded: 10, hostGBps: 0.1)
        let layer = c.layer(.dense)
        let copy = 100_761_600 / 0.077e9
        #expect(abs(copy - 1.308_59) < 1e-5)
        let windows = [9.0, 10, 10, 10, 10, 10, 9, 9, 9, 9]
        let f = layer.forwardComputeSeconds + layer.forwardCommSeconds
        let b = layer.backwardComputeSeconds + layer.backwardCommSeconds
        let forward = windows.reduce(0) { $0 + max(0, copy - $1 * f) }
        let backward = windows.reduce(0) { $0 + max(0, copy - $1 * b) }
        #expect(forward > 0 && backward > 0)
        #expect(abs(c.offloadExposedSeconds.forward - forward) < 1e-12)
        #expect(abs(c.offloadExposedSeconds.backward - backward) < 1e-12)
        let layout = StageLayout.uniform(groups: [96], chunks: 1, recomputeAll: false)
        let added =
            c.estimate(layout: layout).stepSeconds
            - cost(offloaded: 0, hostGBps: 0.1).estimate(layout: layout).stepSeconds
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
