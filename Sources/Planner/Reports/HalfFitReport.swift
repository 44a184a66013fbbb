import CostModel

/// Does calibrating on a team's own runs help on its next runs? For each source family, its runs are
/// split in two halves by a fixed seed; the profiles start from the fit on every other family (what a
/// team would download: `CrossValidationReport`'s fold for that family), are fitted again on the first
/// half (`Calibration.fit`, as `plan calibrate` does), and the second half is predicted before and
/// after. A family whose first half leaves every profile fewer than `Calibration.Options.minimumRuns`
/// runs cannot be calibrated and is listed as skipped.
package struct HalfFitReport: Encodable, Sendable {
    package struct Family: Encodable, Sendable {
        package var family: String
        package var fittedOn: [String]
        package var predicted: [String]
        /// Median |error| over the second half with the other families' fit, and after the half fit.
        package var medianBefore: Double
        package var medianAfter: Double
        package var worstBefore: Double
        package var worstAfter: Double
        /// Each predicted run's error before and after, in `predicted` order.
        package var errorsBefore: [Double]
        package var errorsAfter: [Double]
        /// The values the half fit moved, "profile key from -> to".
        package var moved: [String]
    }

    package var seed: UInt64
    package var families: [Family]
    package var skipped: [String]

    package init(runs: [PublishedRun], seed: UInt64 = 20_261_202, options: Calibration.Options = .team) throws {
        self.seed = seed
        var names: [String] = []
        for run in runs where !names.contains(run.family) { names.append(run.family) }
        let blank = runs.map(Calibration.uncalibrated)
        var families: [Family] = []
        var skipped: [String] = []
        for name in names {
            let members = blank.filter { $0.family == name }
            let (first, second) = Self.halves(members, seed: seed)
            let counts = Dictionary(grouping: first, by: { $0.cluster.profile.name }).mapValues(\.count)
            guard !second.isEmpty, counts.values.contains(where: { $0 >= options.minimumRuns }) else {
                skipped.append("\(name) (\(members.count) runs)")
                continue
            }
            // The other families' fit (a sibling's where the profile has too few runs): where a team starts.
            let start = try HeldOutFit(
                blank: blank, without: name, profiles: members.map(\.cluster.profile), options: Calibration.Options())
            func started(_ run: PublishedRun) -> PublishedRun {
                var run = run
                if let efficiency = start.starts[run.cluster.profile.name]?.efficiency {
                    Calibration.set(efficiency, in: &run)
                }
                return run
            }
            let fits = try Calibration.fit(first.map(started), options: options)
            let moved = fits.flatMap { fit in
                fit.values.filter { $0.wasFitted && $0.fitted != $0.file }.map {
                    "\(fit.profile) \($0.key.rawValue) \(Rounded.six($0.file)) -> \(Rounded.six($0.fitted))"
                }
            }
            let half = Dictionary(uniqueKeysWithValues: fits.map { ($0.profile, $0.efficiency) })
            var before: [Double] = [], after: [Double] = []
            for run in second.map(started) {
                let measured = run.measuredTokensPerSecondPerDevice
                before.append(try Calibration.predictedTokensPerSecondPerDevice(run) / measured - 1)
                after.append(
                    try Calibration.predictedTokensPerSecondPerDevice(run, efficiency: half[run.cluster.profile.name])
                        / measured - 1)
            }
            families.append(
                Family(
                    family: name, fittedOn: first.map(\.id), predicted: second.map(\.id),
                    medianBefore: Rounded.six(Statistics.median(before.map(abs)) ?? 0),
                    medianAfter: Rounded.six(Statistics.median(after.map(abs)) ?? 0),
                    worstBefore: Rounded.six(before.map(abs).max() ?? 0),
                    worstAfter: Rounded.six(after.map(abs).max() ?? 0),
                    errorsBefore: before.map(Rounded.six), errorsAfter: after.map(Rounded.six), moved: moved))
        }
        self.families = families
        self.skipped = skipped
    }

    /// `runs` shuffled by a 64-bit linear congruential generator (Knuth's MMIX constants) from
    /// `seed`, then cut in two (the first half the smaller when the count is odd): the same halves on
    /// every machine.
    static func halves(_ runs: [PublishedRun], seed: UInt64) -> ([PublishedRun], [PublishedRun]) {
        var state = seed
        var order = Array(runs.indices)
        for i in stride(from: order.count - 1, to: 0, by: -1) {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            order.swapAt(i, Int((state >> 33) % UInt64(i + 1)))
        }
        let cut = order.count / 2
        return (order[..<cut].sorted().map { runs[$0] }, order[cut...].sorted().map { runs[$0] })
    }
}
