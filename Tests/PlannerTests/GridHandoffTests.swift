import CostModel
import Planner
import Testing

/// The grid's pipeline-handoff fit (`GridReport.handoffCheck`) from a fake predictor whose step time is
/// 1 s plus the cluster's handoff time per pipeline slot, against runs measured at 1 s + 0.01 s per slot
/// (model A) and 1 s + 0.03 s (model B).
struct GridHandoffTests {
    /// tp·pp·dp on 2 nodes of 8, 256 sequences of 4096: (1, 2, 8) has m = 32 microbatches and 33 slots,
    /// (1, 4, 4) 64 and 67, (2, 2, 4) 64 and 65; each pipeline spans both nodes.
    static let degrees = [(1, 2, 8), (1, 4, 4), (2, 2, 4)]
    static let tokens = 256.0 * 4096

    static func slots(_ c: ParallelConfiguration) -> Double { Double(c.microbatchCount + c.pipeline - 1) }

    static func runs(_ name: String, perSlot: Double, line: Int) -> [GridRun] {
        degrees.enumerated().map { index, d in
            let config = ParallelConfiguration(
                tensor: d.0, pipeline: d.1, data: d.2, microbatchSize: 1, globalBatchSize: 256,
                sequenceLength: 4096, zeroStage: 0)
            let step = 1 + perSlot * slots(config)
            return GridRun(
                line: line + index, modelName: name, model: GridReportTests.model, nodes: 2, config: config,
                measuredTokensPerSecondPerDevice: tokens / step / 16, measuredMemoryBytes: 10e9)
        }
    }

    /// 1 s plus the cluster's handoff time per slot.
    static func predict(
        _ config: ParallelConfiguration, _: ModelDescription, _ cluster: ClusterDescription
    )
        -> GridReport.Prediction?
    {
        let step = 1 + (cluster.pipelineHandoff?.seconds(nodes: 2) ?? 0) * slots(config)
        return .init(tokensPerSecondPerDevice: tokens / step / 16, memoryBytes: 10e9, fits: true)
    }

    @Test func fitsOnAllAndPredictsEachModelFromTheOther() throws {
        let runs = Self.runs("A", perSlot: 0.01, line: 2) + Self.runs("B", perSlot: 0.03, line: 10)
        var shipped = GridReportTests.cluster(2)
        shipped.pipelineHandoff = PipelineHandoff(framework: "nanotron", secondsByNodes: [2: 5])
        let check = try GridReport.handoffCheck(
            runs: runs, framework: "nanotron", cluster: { _ in shipped }, predict: Self.predict)
        // Every row: per-slot excess 0.01 (A) or 0.03 (B) over the 1 s predicted without the shipped table;
        // median 0.02.
        #expect(check.fitted == [.init(nodes: 2, seconds: 0.02)])
        // Without: |error| = 0.01·slots for A (0.33, 0.67, 0.65), 0.03·slots for B (0.99, 2.01, 1.95),
        // median (0.67 + 0.99) / 2 = 0.83.
        #expect(abs(check.without.throughput.medianAbsoluteError - 0.83) < 1e-6)
        // A predicted with B's 0.03 s: (1 + 0.01 s)/(1 + 0.03 s) − 1 = −0.33166, −0.44518, −0.44068; B with
        // A's 0.01 s: +0.49624, +0.80240, +0.78788; median |error| (0.44518 + 0.49624) / 2 = 0.47071.
        #expect(abs((check.crossModel?.throughput.medianAbsoluteError ?? 0) - 0.47071) < 1e-5)
        // Both orders agree with the measurements: Spearman 1 in each cell.
        #expect(check.crossModelCells.map(\.spearman) == [1, 1])
        // One model alone has no other model to fit on.
        let alone = try GridReport.handoffCheck(
            runs: Self.runs("A", perSlot: 0.01, line: 2), framework: "nanotron", cluster: { _ in shipped },
            predict: Self.predict)
        #expect(alone.crossModel == nil && alone.crossModelCells.isEmpty)
        #expect(alone.fitted == [.init(nodes: 2, seconds: 0.01)])
    }
}
