import CostModel
import Testing

struct ScheduleTests {
    func config(p: Int, v: Int, m: Int) -> ParallelConfiguration {
        ParallelConfiguration(
            tensor: 8, pipeline: p, data: 1, virtualStages: v, microbatchSize: 1,
            globalBatchSize: m, sequenceLength: 2048, recompute: .none, zeroStage: 0)
    }

    /// The pipeline table of a 32-layer, h = 4096 Megatron GPT on 8 A100 nodes under `config(p:v:m:)`.
    func table(p: Int, v: Int, m: Int) -> PipelineCostTable {
        TrainingCost(
            model: Models.megatronGPT(layers: 32, hidden: 4096, heads: 32), cluster: Devices.cluster(nodes: 8),
            config: config(p: p, v: v, m: m), framework: .megatronDefaults
        ).pipelineTable
    }

    /// 1F1B keeps min(p − r, m) microbatches on rank r; the interleaved schedule's first rank keeps
    /// p·(1 + (p − 1)/(p·v)) (Korthikanti 2022, §4.2.3): p = 8, v = 2 → 11.5.
    @Test func inFlightMicrobatches() {
        #expect((0..<8).map { table(p: 8, v: 1, m: 64).inFlight(rank: $0) } == [8, 7, 6, 5, 4, 3, 2, 1])
        #expect(table(p: 8, v: 2, m: 64).inFlight(rank: 0) == 8 * (1 + 7.0 / 16))
        #expect(table(p: 8, v: 1, m: 2).inFlight(rank: 0) == 2)
    }

    /// With equal stages of time t the 1F1B step is (m + p − 1)·t: bubble fraction (p − 1)/m
    /// (Narayanan 2021, §2.2); interleaved with v chunks of t/v each: (m + (p − 1)/v)·t.
    @Test(arguments: [(4, 1, 16), (8, 1, 64), (4, 2, 16), (8, 4, 32)])
    func bubble(p: Int, v: Int, m: Int) {
        let model = Models.megatronGPT(layers: 64, hidden: 4096, heads: 32)
        let cost = TrainingCost(
            model: model, cluster: Devices.cluster(nodes: p), config: config(p: p, v: v, m: m),
            framework: .megatronDefaults)
        var table = cost.pipelineTable
        table.firstChunkSeconds = 0
        table.lastChunkSeconds = 0
        table.sendSeconds = 0
        let layout = StageLayout.uniform(groups: [64], chunks: p * v)
        let schedule = table.evaluate(layout)
        let rank = schedule.rankSeconds[0]
        #expect(schedule.rankSeconds.allSatisfy { abs($0 - rank) < 1e-12 })
        let expected = (Double(m) + Double(p - 1) / Double(v)) * rank
        #expect(abs(schedule.pipelineSeconds / expected - 1) < 1e-12)
    }

    /// Ring all-reduce of 1 GB over 8 devices at 100 GB/s and 10 µs per hop:
    /// 2·7/8·1e9/1e11 + 2·7·1e-5 = 0.0175 + 0.00014 s.
    @Test func ringAllReduce() {
        let link = Link(bytesPerSecond: 1e11, latencySeconds: 1e-5)
        #expect(abs(link.allReduceSeconds(bytes: 1e9, group: 8) - 0.01764) < 1e-12)
        #expect(link.allReduceSeconds(bytes: 1e9, group: 1) == 0)
        #expect(abs(link.gatherSeconds(bytes: 1e9, group: 8) - (0.00875 + 7e-5)) < 1e-12)
    }

    /// The tail after the last microbatch, worked by hand: optimizer 1 s, gradient reduction 3 s, weight
    /// all-gather 2 s, one microbatch's backward 2.5 s and forward 0.5 s on the rank. Megatron (both
    /// overlaps): 1 + max(0, 3 − 2.5) + max(0, 2 − 0.5) = 3 s. Without --overlap-param-gather the gather
    /// is whole, 3.5 s; the gather never hides behind the backward (it follows the optimizer). Without
    /// the reduction's overlap: 1 + 3 + 1.5 = 5.5 s.
    @Test func tailHidesReductionBehindBackwardAndGatherBehindForward() {
        var pipeline = table(p: 1, v: 1, m: 8)
        func tail() -> Double {
            pipeline.tailSeconds(optimizer: 1, reduce: 3, gather: 2, backward: 2.5, forward: 0.5)
        }
        pipeline.syncOverlapsBackward = true
        pipeline.gatherOverlapsForward = true
        #expect(tail() == 3)
        pipeline.gatherOverlapsForward = false
        #expect(tail() == 3.5)
        pipeline.syncOverlapsBackward = false
        pipeline.gatherOverlapsForward = true
        #expect(tail() == 5.5)
    }
}
