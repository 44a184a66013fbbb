import CostModel

/// `plan calibrate`: a hardware profile's efficiency values fitted to one team's measured runs
/// (`Calibration.fitProfile`), with each run's error before the fit (the profile's values), after it,
/// and left out of it (fitted on the other runs, then predicted): the leave-one-out error is what
/// the fit will do on the team's next job, the in-sample error is not.
///
/// A fit the runs cannot pin is refused (`CalibrationRefusal`) rather than reported: too few runs,
/// runs that contradict each other (one configuration measured far apart), or no value the runs
/// constrain. A value only some runs could pin is kept, and the report says which run would pin it
/// (`kept`): all runs of one GEMM shape cannot separate the GEMM maximum from the size at half
/// efficiency.
package struct CalibrationReport: Encodable, Sendable {
    package struct Row: Encodable, Sendable {
        package var id: String
        package var measuredTokensPerSecondPerDevice: Double
        package var beforePredicted: Double
        package var beforeError: Double
        package var afterPredicted: Double
        package var afterError: Double
        /// Predicted by a fit on every other run (nil when the others are too few to fit).
        package var leaveOneOutPredicted: Double?
        package var leaveOneOutError: Double?
    }

    /// A value the fit kept at the profile's, and what measurement would let it be fitted.
    package struct Kept: Encodable, Sendable {
        package var key: Calibration.Parameter
        package var reason: String
    }

    package var profile: String
    package var runs: Int
    package var fit: Calibration.ProfileFit
    package var kept: [Kept]
    package var rows: [Row]
    package var medianBefore: Double
    package var medianAfter: Double
    package var medianLeaveOneOut: Double?

    /// Two runs whose configurations agree in everything the cost model reads but whose measured
    /// throughputs differ by more than this factor contradict each other.
    package static let contradictionRatio = 1.15

    package init(runs: [PublishedRun], options: Calibration.Options = .team) throws {
        guard let first = runs.first else { throw CalibrationRefusal("no runs given; list measured runs") }
        let profile = first.cluster.profile.name
        self.profile = profile
        self.runs = runs.count
        if let other = runs.first(where: { $0.cluster.profile.name != profile }) {
            throw CalibrationRefusal(
                "runs are on more than one profile (\(profile), \(other.cluster.profile.name) in \(other.id)); "
                    + "calibrate one profile at a time (--profile)")
        }
        guard runs.count >= options.minimumRuns else {
            throw CalibrationRefusal(
                "\(runs.count) run\(runs.count == 1 ? "" : "s") of \(profile) cannot pin a fit; measure at least "
                    + "\(options.minimumRuns), of at least two shapes (another hidden size, tensor-parallel degree "
                    + "or microbatch size)")
        }
        try Self.checkContradictions(runs)
        var options = options
        var kept: [Kept] = []
        // GEMM shapes the runs span: without two, the GEMM maximum and the per-layer overhead trade off.
        let shapes = Set(
            runs.map {
                [
                    $0.model.hiddenSize, $0.model.ffnHiddenSize, $0.config.tensor,
                    $0.config.microbatchSize * $0.config.sequenceLength,
                ]
            })
        if shapes.count < 2 {
            options.parameters.removeAll { $0 == .layerOverheadMicroseconds }
            kept.append(
                Kept(
                    key: .layerOverheadMicroseconds,
                    reason: "every run has the same GEMM shapes; a run with another hidden size, tensor-parallel "
                        + "degree or microbatch size would pin it"))
        }
        let fit = try Calibration.fitProfile(runs, options: options)
        for value in fit.values where !value.wasFitted && !kept.contains(where: { $0.key == value.key }) {
            kept.append(Kept(key: value.key, reason: Self.missing(value, options: options)))
        }
        guard fit.values.contains(where: \.wasFitted) else {
            throw CalibrationRefusal(
                "the runs pin none of the values: "
                    + kept.map { "\($0.key.rawValue) (\($0.reason))" }.joined(separator: "; "))
        }
        self.fit = fit
        self.kept = kept
        let before = try runs.map { try Calibration.predictedTokensPerSecondPerDevice($0) }
        let after = try runs.map { try Calibration.predictedTokensPerSecondPerDevice($0, efficiency: fit.efficiency) }
        let leftOut: [Double?] = try runs.indices.map { index in
            let others = runs.enumerated().filter { $0.offset != index }.map(\.element)
            guard others.count >= options.minimumRuns else { return nil }
            let partial = try Calibration.fitProfile(others, options: options)
            return try Calibration.predictedTokensPerSecondPerDevice(runs[index], efficiency: partial.efficiency)
        }
        rows = runs.indices.map { i in
            let measured = runs[i].measuredTokensPerSecondPerDevice
            return Row(
                id: runs[i].id, measuredTokensPerSecondPerDevice: measured,
                beforePredicted: Rounded.six(before[i]), beforeError: Rounded.six(before[i] / measured - 1),
                afterPredicted: Rounded.six(after[i]), afterError: Rounded.six(after[i] / measured - 1),
                leaveOneOutPredicted: leftOut[i].map(Rounded.six),
                leaveOneOutError: leftOut[i].map { Rounded.six($0 / measured - 1) })
        }
        medianBefore = Rounded.six(Statistics.median(rows.map { abs($0.beforeError) }) ?? 0)
        medianAfter = Rounded.six(Statistics.median(rows.map { abs($0.afterError) }) ?? 0)
        let loo = rows.compactMap(\.leaveOneOutError).map(abs)
        medianLeaveOneOut = loo.isEmpty ? nil : Rounded.six(Statistics.median(loo) ?? 0)
    }

    /// Why `value` was not fitted, as a measurement that would change that.
    static func missing(_ value: Calibration.FittedValue, options: Calibration.Options) -> String {
        switch value.key {
        case .gemmMax where value.constrainingRuns < options.minimumConstrainingRuns:
            "fewer than \(options.minimumConstrainingRuns) BF16 or FP16 runs; measure BF16 runs to pin it"
        case .fp8GemmMax where value.constrainingRuns < options.minimumConstrainingRuns:
            "fewer than \(options.minimumConstrainingRuns) FP8 runs; measure FP8 runs to pin it"
        case .tensorCommOverlap where value.file == 0:
            "the profile runs tensor-parallel communication exposed (a hardware fact, not fitted)"
        case .tensorCommOverlap:
            "fewer than \(options.minimumConstrainingRuns) tensor-parallel runs with overlap; measure tp > 1"
        case .moeLayerOverheadMicroseconds:
            "fewer than \(options.minimumConstrainingRuns) mixture-of-experts runs; measure MoE runs to pin it"
        case .layerOverheadMicroseconds:
            "fewer than \(options.minimumConstrainingRuns) runs; measure more runs to pin it"
        default: "not fitted"
        }
    }

    /// Refuses runs of one configuration (everything the cost model reads equal) measured more than
    /// `contradictionRatio` apart: no efficiency explains both.
    static func checkContradictions(_ runs: [PublishedRun]) throws {
        for (i, a) in runs.enumerated() {
            for b in runs[(i + 1)...]
            where a.model == b.model && a.config == b.config && a.cluster == b.cluster
                && a.recomputeLayers == b.recomputeLayers
            {
                let ratio =
                    max(a.measuredTokensPerSecondPerDevice, b.measuredTokensPerSecondPerDevice)
                    / min(a.measuredTokensPerSecondPerDevice, b.measuredTokensPerSecondPerDevice)
                if ratio > contradictionRatio {
                    throw CalibrationRefusal(
                        "runs \(a.id) and \(b.id) are the same configuration but measured "
                            + "\(String(format: "%.2f", ratio))× apart; no efficiency explains both: check them, or "
                            + "drop the one measured under other conditions")
                }
            }
        }
    }
}

/// Why `plan calibrate` will not fit: the runs do not pin the values, and what would.
package struct CalibrationRefusal: Error, CustomStringConvertible, Sendable {
    package var description: String
    package init(_ description: String) { self.description = description }
}
