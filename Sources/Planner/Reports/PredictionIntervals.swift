import CostModel
import Foundation

/// How sure a prediction is: an interval from the cross-validated errors of runs like it.
///
/// Each published run has a cross-validated prediction (`CrossValidationReport`: fitted on the other
/// source families). Its error in logs, r = |ln(predicted / measured)|, says how far a prediction of
/// that kind lands from the truth on a run the fit never saw. Runs are grouped by class (device,
/// framework, precision); a prediction's interval is [p·e^−w, p·e^w] with w the empirical quantile
/// of its class's r at rank ⌈c·(n + 1)⌉ of n (split-conformal: for exchangeable runs the measured value
/// falls inside with probability at least c). A class with fewer than `minimumRuns` runs backs off to
/// a coarser one (device · precision, then framework · precision, then precision, then all runs),
/// which is wider because it mixes more; a configuration outside the class's measured range (more
/// than twice its largest device count, or a model outside half to twice its parameter range) gets
/// `extrapolationFactor` times the width, and says so.
package struct PredictionIntervals: Codable, Sendable {
    /// One class: its key values, and its runs' cross-validated log errors, ascending.
    package struct Group: Codable, Sendable {
        package var level: Level
        package var profile: String?
        package var framework: String?
        package var precision: String?
        package var logErrors: [Double]
        package var maxDevices: Int
        package var minParameters: Double
        package var maxParameters: Double
    }

    /// How fine a class is, finest first.
    package enum Level: String, Codable, Sendable, CaseIterable {
        case deviceFrameworkPrecision = "device · framework · precision"
        case devicePrecision = "device · precision"
        case frameworkPrecision = "framework · precision"
        case precision
        case all = "all runs"

        func key(profile: String, framework: String, precision: String) -> [String?] {
            switch self {
            case .deviceFrameworkPrecision: [profile, framework, precision]
            case .devicePrecision: [profile, nil, precision]
            case .frameworkPrecision: [nil, framework, precision]
            case .precision: [nil, nil, precision]
            case .all: [nil, nil, nil]
            }
        }
    }

    /// A prediction's interval: the measured value lies in [value·e^−halfWidthLog, value·e^halfWidthLog]
    /// with probability `coverage`; `relative` is e^halfWidthLog − 1, the "±" shown.
    package struct Interval: Codable, Sendable, Equatable {
        package var coverage: Double
        package var halfWidthLog: Double
        package var relative: Double
        package var runs: Int
        package var basis: String
        package var extrapolated: Bool

        package func range(_ value: Double) -> ClosedRange<Double> {
            (value * exp(-halfWidthLog))...(value * exp(halfWidthLog))
        }
    }

    package var source = "plan validate --cross-validate --write-intervals: cross-validated errors of the bundled runs"
    package var coverage: Double
    package var minimumRuns: Int
    package var extrapolationFactor: Double
    /// Every width is multiplied by this: the smallest factor (`calibratedWidthFactor`) with which the
    /// intervals built without a family hold `coverage` of that family's runs. Residuals of the
    /// families a class has seen understate how far a new source lands; the factor says by how much.
    package var widthFactor: Double
    package var groups: [Group]

    /// What the intervals need of one run: its class, family, size and cross-validated log error.
    package struct Sample: Sendable {
        var profile: String, framework: String, precision: String, family: String
        var logError: Double
        var devices: Int
        var parameters: Double

        init(_ run: PublishedRun, predicted: Double) {
            profile = run.cluster.profile.name
            framework = run.framework.name
            precision = run.config.precision.rawValue
            family = run.family
            logError = Rounded.six(abs(log(predicted / run.measuredTokensPerSecondPerDevice)))
            devices = run.config.devices
            parameters = run.model.totalParameters
        }
    }

    /// The classes of `runs`, whose cross-validated predictions are `predicted` (tokens/s per GPU, in
    /// run order).
    package init(
        runs: [PublishedRun], predicted: [Double], coverage: Double = 0.8, minimumRuns: Int = 5,
        extrapolationFactor: Double = 1.5, widthFactor: Double = 1
    ) {
        precondition(runs.count == predicted.count, "one prediction per run")
        self.init(
            samples: zip(runs, predicted).map { Sample($0, predicted: $1) }, coverage: coverage,
            minimumRuns: minimumRuns, extrapolationFactor: extrapolationFactor, widthFactor: widthFactor)
    }

    init(
        samples: [Sample], coverage: Double = 0.8, minimumRuns: Int = 5, extrapolationFactor: Double = 1.5,
        widthFactor: Double = 1
    ) {
        self.coverage = coverage
        self.widthFactor = widthFactor
        self.minimumRuns = minimumRuns
        self.extrapolationFactor = extrapolationFactor
        var groups: [Group] = []
        for level in Level.allCases {
            var keyed: [[String?]: [Int]] = [:]
            for (i, sample) in samples.enumerated() {
                keyed[
                    level.key(profile: sample.profile, framework: sample.framework, precision: sample.precision),
                    default: []
                ].append(i)
            }
            for key in keyed.keys.sorted(by: { $0.map { $0 ?? "" }.lexicographicallyPrecedes($1.map { $0 ?? "" }) }) {
                let members = keyed[key]!.map { samples[$0] }
                groups.append(
                    Group(
                        level: level, profile: key[0], framework: key[1], precision: key[2],
                        logErrors: members.map(\.logError).sorted(), maxDevices: members.map(\.devices).max() ?? 0,
                        minParameters: members.map(\.parameters).min() ?? 0,
                        maxParameters: members.map(\.parameters).max() ?? 0))
            }
        }
        self.groups = groups
    }

    /// The interval of a prediction for `profile`, `framework` and `precision` at `devices` GPUs of a
    /// model with `parameters` parameters.
    package func interval(
        profile: String, framework: String, precision: Precision, devices: Int, parameters: Double
    ) -> Interval {
        interval(
            profile: profile, framework: framework, precision: precision.rawValue, devices: devices,
            parameters: parameters)
    }

    func interval(profile: String, framework: String, precision: String, devices: Int, parameters: Double) -> Interval {
        for level in Level.allCases {
            let key = level.key(profile: profile, framework: framework, precision: precision)
            guard
                let group = groups.first(where: {
                    $0.level == level && [$0.profile, $0.framework, $0.precision] == key
                }),
                group.logErrors.count >= minimumRuns || level == .all
            else { continue }
            let n = group.logErrors.count
            let rank = min(n, Int((coverage * Double(n + 1)).rounded(.up)))
            var width = group.logErrors[max(rank - 1, 0)] * widthFactor
            let outside =
                devices > 2 * group.maxDevices || parameters < group.minParameters / 2
                || parameters > 2 * group.maxParameters
            if outside { width *= extrapolationFactor }
            let named = key.compactMap { $0 }.joined(separator: ", ")
            return Interval(
                coverage: coverage, halfWidthLog: Rounded.six(width), relative: Rounded.six(exp(width) - 1), runs: n,
                basis: "cross-validated errors of \(n) runs (\(level.rawValue)\(named.isEmpty ? "" : ": \(named)"))"
                    + (outside ? ", widened: outside the measured range" : ""),
                extrapolated: outside)
        }
        return Interval(coverage: coverage, halfWidthLog: 0, relative: 0, runs: 0, basis: "no runs", extrapolated: true)
    }

    /// The intervals of `runs` with their width factor fitted, and the coverage they have on a family
    /// they never saw. The factor is fitted (`calibratedWidthFactor`) to hold a target share of runs
    /// out of family; the target is the first of 80, 85, 90, 95% at which the nested estimate (each
    /// family held out of the residuals and of the factor's fit, `heldOutCoverage`) reaches the
    /// claimed `coverage`, so the claim is one the data bear out.
    package static func calibrated(
        runs: [PublishedRun], predicted: [Double], coverage: Double = 0.8
    ) -> (
        intervals: PredictionIntervals, target: Double, inside: Int
    ) {
        let samples = zip(runs, predicted).map { Sample($0, predicted: $1) }
        var choice = (target: 0.95, inside: 0)
        for target in [0.8, 0.85, 0.9, 0.95] {
            let inside = heldOutCoverage(samples, coverage: coverage, widthFactor: nil, target: target)
            choice = (target, inside)
            if Double(inside) >= coverage * Double(samples.count) { break }
        }
        let factor = calibratedWidthFactor(samples, coverage: coverage, target: choice.target)
        return (
            PredictionIntervals(samples: samples, coverage: coverage, widthFactor: factor), choice.target, choice.inside
        )
    }

    /// How many of `runs` fall inside the interval built without their own family at `widthFactor`.
    package static func heldOutCoverage(
        runs: [PublishedRun], predicted: [Double], coverage: Double = 0.8, widthFactor: Double
    ) -> Int {
        heldOutCoverage(
            zip(runs, predicted).map { Sample($0, predicted: $1) }, coverage: coverage, widthFactor: widthFactor,
            target: coverage)
    }

    /// The smallest factor on the grid 1, 1.05, … 5 with which intervals (at quantile `coverage`)
    /// built without each family hold at least `target` of all samples (5 when none does).
    static func calibratedWidthFactor(_ samples: [Sample], coverage: Double, target: Double) -> Double {
        // Coverage only grows with the factor: bisect the grid's steps.
        func enough(_ step: Int) -> Bool {
            let inside = heldOutCoverage(
                samples, coverage: coverage, widthFactor: 1 + Double(step) * 0.05, target: target)
            return Double(inside) >= target * Double(samples.count)
        }
        guard enough(80) else { return 5 }
        var low = -1, high = 80
        while high - low > 1 {
            let middle = (low + high) / 2
            if enough(middle) { high = middle } else { low = middle }
        }
        return Rounded.six(1 + Double(high) * 0.05)
    }

    /// How many samples have their measured value inside the interval built without their own
    /// family, at `widthFactor`; nil: with the factor fitted to `target` on the other families alone,
    /// so the family is unseen by both the residuals and the factor (the coverage on a new source).
    static func heldOutCoverage(_ samples: [Sample], coverage: Double, widthFactor: Double?, target: Double) -> Int {
        var inside = 0
        for family in Set(samples.map(\.family)).sorted() {
            let others = samples.filter { $0.family != family }
            let factor = widthFactor ?? calibratedWidthFactor(others, coverage: coverage, target: target)
            let intervals = PredictionIntervals(samples: others, coverage: coverage, widthFactor: factor)
            for sample in samples where sample.family == family {
                let interval = intervals.interval(
                    profile: sample.profile, framework: sample.framework, precision: sample.precision,
                    devices: sample.devices, parameters: sample.parameters)
                if sample.logError <= interval.halfWidthLog { inside += 1 }
            }
        }
        return inside
    }
}
