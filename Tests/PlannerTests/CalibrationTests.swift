import CostModel
import Foundation
import Planner
import Testing

/// The calibration fit and its cross-validation on runs built in code, whose "measured" throughput is
/// what the cost model itself predicts with known efficiency values (so the right answer is known).
struct CalibrationTests {
    /// A device whose file values (gemm_max 0.75) are not the truth the runs are made with.
    static let profile = HardwareProfile(
        name: "gpu", description: "GPU", densePeakTFLOPS: [.bf16: 400, .fp8: 800], memoryGiB: 80, memoryTBps: 2,
        linkGBpsOneDirection: 200, nicGbpsPerGPU: 200, gpusPerNode: 8, nvlinkDomainGPUs: 8,
        efficiency: Efficiency(gemmMax: 0.75, gemmHalfGFLOP: 4, tensorCommOverlap: 0.5))

    /// The truth: gemm_max 0.6, everything else as the file says.
    static var truth: Efficiency {
        var efficiency = profile.efficiency
        efficiency.gemmMax = 0.6
        return efficiency
    }

    /// Dense models from 4 to 16 layers, hidden 1024 to 4096.
    static func model(_ size: Int) -> ModelDescription {
        let hidden = 1024 << (size % 3)
        return ModelDescription(
            name: "m\(size)", layers: 4 + 4 * (size % 4), hiddenSize: hidden, attentionHeads: 16,
            ffnHiddenSize: 4 * hidden, vocabularySize: 32000, feedForward: .gated)
    }

    /// Run `index` of `family` on `profile` (one node of 8; tp 1, 2, 4 in turn), measured at what the
    /// cost model predicts with `truth`, times `factor`.
    static func run(
        _ family: String, _ index: Int, profile: HardwareProfile = profile, truth: Efficiency = truth,
        factor: Double = 1
    ) throws -> PublishedRun {
        let tp = 1 << (index % 3)
        let config = ParallelConfiguration(
            tensor: tp, data: 8 / tp, microbatchSize: 1 + index % 2, globalBatchSize: 64, sequenceLength: 2048)
        var run = PublishedRun(
            id: "\(family)-\(index)", family: family, source: "test", fullySpecified: index % 2 == 0,
            model: model(index), cluster: ClusterDescription(name: "node", profile: profile, nodes: 1), config: config,
            framework: .megatronDefaults, recomputeLayers: nil, measuredTokensPerSecondPerDevice: 1)
        run.measuredTokensPerSecondPerDevice =
            try Calibration.predictedTokensPerSecondPerDevice(run, efficiency: truth)
            * factor
        return run
    }

    static func runs(
        _ family: String, _ count: Int, offset: Int = 0, profile: HardwareProfile = profile,
        factor: Double = 1
    ) throws -> [PublishedRun] {
        try (0..<count).map { try run(family, offset + $0, profile: profile, factor: factor) }
    }

    /// Started at the file's 0.75, the fit of gemm_max alone lands within one grid step (0.01) of the
    /// 0.6 the measurements were made with, and the objective falls to about 0.
    @Test func recoversKnownGemmMax() throws {
        var options = Calibration.Options()
        options.parameters = [.gemmMax]
        let fit = try Calibration.fitProfile(try Self.runs("a", 6), options: options)
        let gemm = try #require(fit.values.first { $0.key == .gemmMax })
        #expect(gemm.file == 0.75 && gemm.wasFitted && gemm.constrainingRuns == 6)
        #expect(abs(gemm.fitted - 0.6) <= 0.01 + 1e-12, "fitted \(gemm.fitted)")
        #expect(fit.objectiveBefore > 0.05 && fit.objectiveAfter < 0.005)
        #expect(fit.values.filter(\.wasFitted).map(\.key) == [.gemmMax])
        #expect(fit.efficiency.layerOverheadMicroseconds == 40 && fit.efficiency.tensorCommOverlap == 0.5)
    }

    /// With every parameter free, the fit never ends worse than the file's values, fits only what the
    /// runs constrain (no FP8 runs: fp8_gemm_max kept; no MoE: overhead kept), and stays on the grids.
    @Test func fitsOnlyConstrainedParameters() throws {
        let fit = try Calibration.fitProfile(try Self.runs("a", 6))
        #expect(fit.objectiveAfter <= fit.objectiveBefore)
        #expect(
            fit.values.filter(\.wasFitted).map(\.key) == [.gemmMax, .tensorCommOverlap, .layerOverheadMicroseconds])
        for value in fit.values where value.wasFitted {
            #expect(value.key.grid.contains(value.fitted) || value.fitted == value.file)
        }
        #expect(fit.efficiency.fp8GemmMax == Self.profile.efficiency.fp8GemmMax)
    }

    /// A profile with fewer than 3 runs keeps its file's values.
    @Test func tooFewRunsKeepFileValues() throws {
        let fit = try Calibration.fitProfile(try Self.runs("a", 2))
        #expect(fit.values.allSatisfy { !$0.wasFitted && $0.fitted == $0.file })
        #expect(fit.efficiency == Self.profile.efficiency && fit.sweeps == 0)
    }

    /// A family's measured values never reach its own cross-validated predictions: making family b's
    /// measurements nonsense (10× too fast) moves the in-sample fit (b is the majority) but leaves every
    /// cross-validated prediction of b's runs exactly as it was.
    @Test func heldOutFamilyIsNotInItsFit() throws {
        let good = try Self.runs("a", 2) + Self.runs("b", 4, offset: 2) + Self.runs("c", 2, offset: 6)
        let nonsense = try Self.runs("a", 2) + Self.runs("b", 4, offset: 2, factor: 10) + Self.runs("c", 2, offset: 6)
        let before = try CrossValidationReport(runs: good)
        let after = try CrossValidationReport(runs: nonsense)
        let rowsBefore = before.rows.filter { $0.family == "b" }
        let rowsAfter = after.rows.filter { $0.family == "b" }
        #expect(rowsBefore.count == 4 && rowsBefore.allSatisfy(\.crossValidatedFromFit))
        #expect(rowsBefore.map(\.crossValidatedPredicted) == rowsAfter.map(\.crossValidatedPredicted))
        #expect(rowsBefore.map(\.inSamplePredicted) != rowsAfter.map(\.inSamplePredicted))
        #expect(after.families.map(\.family) == ["a", "b", "c"])
    }

    /// Fits are per profile: nonsense measurements on another device change no prediction on this one.
    @Test func otherProfilesDoNotLeakIn() throws {
        var other = Self.profile
        other.name = "other"
        let base = try Self.runs("a", 3) + Self.runs("b", 3, offset: 3)
        let before = try CrossValidationReport(runs: base + Self.runs("x", 4, profile: other))
        let after = try CrossValidationReport(runs: base + Self.runs("x", 4, profile: other, factor: 0.01))
        let keep = { (report: CrossValidationReport) in report.rows.filter { $0.gpu == "gpu" } }
        #expect(keep(before).map(\.crossValidatedPredicted) == keep(after).map(\.crossValidatedPredicted))
        #expect(keep(before).map(\.inSamplePredicted) == keep(after).map(\.inSamplePredicted))
        #expect(before.parameters.map(\.profile) == ["gpu", "other"])
    }

    /// A variant of the same chip with runs of one family only (`calibratedLike`): held out, it is
    /// predicted with its sibling's fit on the other family (gemm_max about the true 0.6) instead of its
    /// file's 0.75, so within 3% of its measurements where the uncalibrated values miss by more than 10%.
    @Test func siblingFitStandsInForAFewRunsVariant() throws {
        var variant = Self.profile
        variant.name = "variant"
        variant.memoryGiB = 96
        let sibling = try Self.runs("a", 4) + Self.runs("b", 2, offset: 4, profile: variant)
        variant.calibratedLike = ["gpu"]
        let named = try Self.runs("a", 4) + Self.runs("b", 2, offset: 4, profile: variant)
        let without = try CrossValidationReport(runs: sibling).rows.filter { $0.family == "b" }
        let with = try CrossValidationReport(runs: named).rows.filter { $0.family == "b" }
        #expect(without.allSatisfy { !$0.crossValidatedFromFit && $0.crossValidatedFromSibling == nil })
        #expect(without.allSatisfy { abs($0.crossValidatedError) > 0.10 }, "\(without.map(\.crossValidatedError))")
        #expect(with.allSatisfy { $0.crossValidatedFromFit && $0.crossValidatedFromSibling == "gpu" })
        #expect(with.allSatisfy { abs($0.crossValidatedError) < 0.03 }, "\(with.map(\.crossValidatedError))")
        // A list is read nearest first: a relative without runs is passed over for the next one.
        variant.calibratedLike = ["unmeasured", "gpu"]
        let listed = try Self.runs("a", 4) + Self.runs("b", 2, offset: 4, profile: variant)
        let chained = try CrossValidationReport(runs: listed).rows.filter { $0.family == "b" }
        #expect(chained.map(\.crossValidatedPredicted) == with.map(\.crossValidatedPredicted))
        #expect(chained.allSatisfy { $0.crossValidatedFromSibling == "gpu" })
    }

    /// The same runs give the same JSON, byte for byte.
    @Test func deterministic() throws {
        let runs = try Self.runs("a", 3) + Self.runs("b", 3, offset: 3) + Self.runs("c", 3, offset: 6, factor: 1.2)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let first = try encoder.encode(try CrossValidationReport(runs: runs))
        let second = try encoder.encode(try CrossValidationReport(runs: runs))
        #expect(first == second)
    }

    /// The summaries: medians and worsts of |error| per family and overall, fully specified apart.
    @Test func summaries() throws {
        let runs = try Self.runs("a", 3) + Self.runs("b", 3, offset: 3, factor: 1.1)
        let report = try CrossValidationReport(runs: runs)
        #expect(report.overall.map(\.scope) == ["all", "fully specified"])
        #expect(report.overall[0].crossValidated.runs == 6)
        #expect(report.overall[1].crossValidated.runs == runs.filter(\.fullySpecified).count)
        // With the file's values every run is 0.6/0.75 of the truth's time, so about 25% too fast.
        let file = report.families[0].fileValues
        #expect(file.medianAbsoluteError > 0.1 && file.worstAbsoluteError >= file.medianAbsoluteError)
        // In-sample with a consistent family: a's runs fitted well.
        #expect(report.families[0].inSample.medianAbsoluteError < file.medianAbsoluteError)
    }

    /// Every grid is ascending, inside the stated bounds, and holds the file values used above.
    @Test func grids() {
        let bounds: [Calibration.Parameter: ClosedRange<Double>] = [
            .gemmMax: 0.35...0.9, .fp8GemmMax: 0.25...0.8, .tensorCommOverlap: 0...0.9,
            .moeLayerOverheadMicroseconds: 0...3000, .layerOverheadMicroseconds: 0...1000,
        ]
        for parameter in Calibration.Parameter.allCases {
            let grid = parameter.grid
            #expect(grid == grid.sorted() && Set(grid).count == grid.count)
            #expect(grid.first == bounds[parameter]!.lowerBound && grid.last == bounds[parameter]!.upperBound)
        }
        #expect(Calibration.Parameter.gemmMax.grid.contains(0.6) && Calibration.Parameter.gemmMax.grid.count == 56)
    }
}
