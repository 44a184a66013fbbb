import CostModel
import Planner
import Testing

/// The grid report's statistics from a fake predictor whose answers are known exactly.
struct GridReportTests {
    static let model = ModelDescription(
        name: "tiny", layers: 4, hiddenSize: 256, attentionHeads: 4,
        ffnHiddenSize: 1024, vocabularySize: 1000, feedForward: .gated)
    static let profile = HardwareProfile(
        name: "gpu", description: "GPU", densePeakTFLOPS: [.bf16: 100], memoryGiB: 80,
        memoryTBps: 2, linkGBpsOneDirection: 100, nicGbpsPerGPU: 100, gpusPerNode: 8,
        nvlinkDomainGPUs: 8)

    static func cluster(_ nodes: Int) -> ClusterDescription {
        ClusterDescription(name: "c\(nodes)", profile: profile, nodes: nodes)
    }

    /// Runs of model `name` on `nodes` nodes with the given measured throughputs (tp = 1, 2, 4, …, so each
    /// row has its own degrees) and memory 10 GB.
    static func runs(_ name: String, nodes: Int, _ measured: [Double], line: Int = 2) -> [GridRun] {
        measured.enumerated().map { index, value in
            let tp = 1 << index
            let config = ParallelConfiguration(
                tensor: tp, pipeline: 1, data: nodes * 8 / tp, microbatchSize: 1,
                globalBatchSize: 256, sequenceLength: 4096, zeroStage: 0)
            return GridRun(
                line: line + index, modelName: name, model: model, nodes: nodes, config: config,
                measuredTokensPerSecondPerDevice: value, measuredMemoryBytes: 10e9)
        }
    }

    /// measured × `factor` for throughput and memory, looked up by the run's degrees.
    static func scaled(
        _ runs: [GridRun], _ factor: Double, fitsBelow capacity: Double = .infinity
    )
        -> GridReport.Predictor
    {
        { config, _, cluster in
            let run = runs.first { $0.config == config && $0.nodes * 8 == cluster.devices }
            guard let run else { return nil }
            let memory = run.measuredMemoryBytes * factor
            return .init(
                tokensPerSecondPerDevice: run.measuredTokensPerSecondPerDevice * factor, memoryBytes: memory,
                fits: memory <= capacity)
        }
    }

    @Test func tenPercentHighEverywhere() throws {
        let runs = Self.runs("1B", nodes: 1, [100, 300, 200, 50]) + Self.runs("3B", nodes: 2, [10, 30, 20], line: 10)
        let report = try GridReport(runs: runs, cluster: Self.cluster, predict: Self.scaled(runs, 1.1))
        let s = report.summary
        #expect(s.rows == 7 && s.unpredicted == 0)
        #expect(abs(s.throughput.medianAbsoluteError - 0.1) < 1e-9)
        #expect(abs(s.throughput.worstAbsoluteError - 0.1) < 1e-9)
        #expect(s.throughputByModel.map(\.scope) == ["1B", "3B"])
        #expect(s.throughputByModel.map(\.rows) == [4, 3])
        #expect(report.cells.map(\.spearman) == [1, 1])
        #expect(report.cells.map(\.topOneRatio) == [1, 1])
        #expect(s.rankedCells == 2 && s.medianSpearman == 1 && s.medianTopOneRatio == 1 && s.meanTopOneRatio == 1)
        #expect(abs(s.memory.medianAbsoluteError - 0.1) < 1e-9)
        #expect(s.predictedOutOfMemory == 0)
        #expect(report.rows[0].measuredMemoryGiB == 9.31323)  // 10e9 / 2^30
        #expect(report.rows[1].predictedTokensPerSecondPerDevice == 330)
    }

    @Test func wrongOrderLowersSpearmanAndTopOne() throws {
        // Measured [100, 300, 200, 50]; predicted [400, 300, 200, 50]: the prediction ranks row 1 first
        // (measured 100 of the best 300, top-1 = 1/3). Ranks predicted [4, 3, 2, 1], measured [2, 4, 3, 1]:
        // d = [2, 1, 1, 0], Σd² = 6, Spearman = 1 − 6·6/60 = 0.4.
        let runs = Self.runs("1B", nodes: 1, [100, 300, 200, 50])
        let predicted: [Double] = [400, 300, 200, 50]
        let report = try GridReport(runs: runs, cluster: Self.cluster) { config, _, _ in
            let index = try #require(runs.firstIndex { $0.config == config })
            return .init(tokensPerSecondPerDevice: predicted[index], memoryBytes: 90e9, fits: false)
        }
        let cell = try #require(report.cells.first)
        #expect(abs((cell.spearman ?? 0) - 0.4) < 1e-9)
        #expect(cell.topOneRatio == 0.333333)
        #expect(cell.predictedBest == "tp1 pp1 dp8 mbs1 z0" && cell.measuredBest == "tp2 pp1 dp4 mbs1 z0")
        // Errors: +300%, 0, 0, 0 → median 0, worst 3 on line 2.
        #expect(report.summary.throughput.medianAbsoluteError == 0)
        #expect(report.summary.throughput.worstAbsoluteError == 3)
        #expect(report.summary.throughput.worstRow.hasSuffix("(line 2)"))
        // Memory 90 GB against 10 GB measured: +800% everywhere, and every row predicted out of memory.
        #expect(report.summary.memory.medianAbsoluteError == 8)
        #expect(report.summary.predictedOutOfMemory == 4)
    }

    @Test func smallCellsAndUnpredictedRows() throws {
        // The predictor refuses tp1 dp8: the first 1B row (leaving three) and the first 3B row (leaving one,
        // too few to rank).
        let runs = Self.runs("1B", nodes: 1, [100, 300, 200, 50]) + Self.runs("3B", nodes: 1, [10, 30], line: 10)
        let skipped = runs[0].config
        let scaled = Self.scaled(runs, 1)
        let report = try GridReport(runs: runs, cluster: Self.cluster) { config, model, cluster in
            config == skipped ? nil : try scaled(config, model, cluster)
        }
        #expect(report.summary.unpredicted == 2)
        #expect(report.rows[0].predictedTokensPerSecondPerDevice == nil && report.rows[0].error == nil)
        #expect(report.cells.map(\.rows) == [3, 1])
        #expect(report.cells[1].spearman == nil && report.cells[1].topOneRatio == nil)
        #expect(report.summary.rankedCells == 1)
        #expect(report.summary.throughput.rows == 4)
    }
    /// Twins: rows that differ only in ZeRO stage 0 / 1. Cell A's pair ran at 100 and 300 tokens/s
    /// (spread 300/100 − 1 = 2), cell B's at 30 and 33 (0.1): only B agrees within 25%, so the agreeing
    /// median Spearman is B's alone. A row without a twin adds nothing.
    @Test func twinSpreadMarksCellsThatDoNotRepeat() throws {
        func twins(_ name: String, nodes: Int, _ pair: (Double, Double), extra: Double, line: Int) -> [GridRun] {
            [(0, pair.0, 1), (1, pair.1, 1), (0, extra, 2)].enumerated().map { index, row in
                let config = ParallelConfiguration(
                    tensor: row.2, pipeline: 1, data: nodes * 8 / row.2, microbatchSize: 1, globalBatchSize: 256,
                    sequenceLength: 4096, zeroStage: ZeROStage(rawValue: row.0) ?? 0)
                return GridRun(
                    line: line + index, modelName: name, model: Self.model, nodes: nodes, config: config,
                    measuredTokensPerSecondPerDevice: row.1, measuredMemoryBytes: 10e9)
            }
        }
        let runs =
            twins("A", nodes: 1, (100, 300), extra: 200, line: 2) + twins("B", nodes: 1, (30, 33), extra: 10, line: 10)
        let report = try GridReport(runs: runs, cluster: Self.cluster, predict: Self.scaled(runs, 1))
        #expect(report.cells.map(\.twinPairs) == [1, 1])
        #expect(report.cells.map(\.twinSpread) == [2, 0.1])
        #expect(report.summary.rankedCells == 2 && report.summary.agreeingCells == 1)
        #expect(report.summary.agreeingMedianSpearman == report.cells[1].spearman)
    }
}
