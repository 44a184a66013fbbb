import CostModel
import Foundation
import Planner
import Testing

/// Prediction intervals from cross-validated errors, on runs whose errors are set by hand.
struct PredictionIntervalsTests {
    /// `count` runs on `profile`, each predicted e^(error) times its measured value.
    static func runs(
        _ family: String, errors: [Double], profile: HardwareProfile = CalibrationTests.profile
    ) throws
        -> (runs: [PublishedRun], predicted: [Double])
    {
        let runs = try errors.indices.map { try CalibrationTests.run(family, $0, profile: profile) }
        return (runs, zip(runs, errors).map { $0.measuredTokensPerSecondPerDevice * exp($1) })
    }

    /// Ten runs with log errors 0.01 … 0.10: the 80% width is the one at rank ⌈0.8 · 11⌉ = 9, 0.09,
    /// so the interval is ±(e^0.09 − 1) = 9.42%.
    @Test func widthIsTheConformalQuantile() throws {
        let (runs, predicted) = try Self.runs("a", errors: (1...10).map { Double($0) / 100 })
        let intervals = PredictionIntervals(runs: runs, predicted: predicted)
        let interval = intervals.interval(
            profile: "gpu", framework: "megatron", precision: .bf16, devices: 8,
            parameters: runs[0].model.totalParameters)
        #expect(interval.halfWidthLog == 0.09)
        #expect(abs(interval.relative - 0.0941743) < 1e-6)
        #expect(interval.runs == 10 && !interval.extrapolated)
        #expect(interval.basis.contains("device · framework · precision: gpu, megatron, bf16"))
        #expect(interval.range(100).lowerBound.isApproximately(100 / exp(0.09)))
    }

    /// A class with fewer than five runs backs off to a coarser one; a configuration far outside the
    /// measured range is widened by 1.5 and says so.
    @Test func fewRunsBackOffAndFarConfigurationsWiden() throws {
        let (runs, predicted) = try Self.runs("a", errors: (1...10).map { Double($0) / 100 })
        let intervals = PredictionIntervals(runs: runs, predicted: predicted)
        // No fp8 runs at all: the back-off ends at all runs (10 runs, the same 0.09).
        let fp8 = intervals.interval(
            profile: "gpu", framework: "megatron", precision: .fp8, devices: 8,
            parameters: runs[0].model.totalParameters)
        #expect(fp8.basis.contains("all runs") && fp8.halfWidthLog == 0.09)
        let far = intervals.interval(
            profile: "gpu", framework: "megatron", precision: .bf16, devices: 1024,
            parameters: runs[0].model.totalParameters)
        #expect(far.extrapolated && abs(far.halfWidthLog - 0.135) < 1e-9 && far.basis.contains("outside the measured"))
    }

    /// Intervals built without a family, checked on it: a family whose errors match the others' falls
    /// inside at the claimed rate; the nested fit never claims what the held-out runs do not show.
    @Test func heldOutCoverageCountsRunsInside() throws {
        let a = try Self.runs("a", errors: (1...10).map { Double($0) / 100 })
        let b = try Self.runs("b", errors: (1...10).map { Double($0) / 100 + 0.005 })
        let runs = a.runs + b.runs, predicted = a.predicted + b.predicted
        // Unwidened: family b's errors 0.015 … 0.105 against a's 0.09 width hold 8 of 10; a's against
        // b's 0.095 width, 9 of 10.
        #expect(PredictionIntervals.heldOutCoverage(runs: runs, predicted: predicted, widthFactor: 1) == 17)
        let calibrated = PredictionIntervals.calibrated(runs: runs, predicted: predicted)
        #expect(Double(calibrated.inside) >= 0.8 * 20)
        #expect(calibrated.intervals.widthFactor >= 1)
    }
}

extension Double {
    func isApproximately(_ other: Double) -> Bool { abs(self - other) <= 1e-9 * max(abs(other), 1) }
}
