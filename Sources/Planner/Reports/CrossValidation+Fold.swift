import CostModel

/// Where a fold that holds one family out starts, profile by profile: what a team that never saw the
/// family would have. `CrossValidationReport` predicts the family with it; `HalfFitReport` calibrates
/// from it.
package struct HeldOutFit: Sendable {
    /// The efficiency a profile's runs are predicted with, and how it came about.
    package struct Start: Sendable {
        /// Nil: the library's uncalibrated values (`Calibration.uncalibrated`).
        package var efficiency: Efficiency?
        /// Whether fitted values are in it (its own fit, or its sibling's).
        package var fromFit: Bool
        /// The `calibratedLike` profile whose fit stands in for this one's, when one does.
        package var sibling: String?
    }

    package var starts: [String: Start]

    /// Fits the profiles `profiles` name (and their `calibratedLike` relatives) on `blank`'s runs outside
    /// `family`, each fold starting from uncalibrated values. A profile that keeps too few runs takes the
    /// fitted values of the first relative it lists that has a fit, on its own uncalibrated efficiency;
    /// otherwise it keeps the uncalibrated values, as a device nobody has calibrated would be.
    package init(
        blank: [PublishedRun], without family: String, profiles: [HardwareProfile], options: Calibration.Options
    ) throws {
        let names = Set(profiles.map(\.name)).union(profiles.flatMap(\.calibratedLike))
        let training = blank.filter { $0.family != family && names.contains($0.cluster.profile.name) }
        let fits = Dictionary(
            uniqueKeysWithValues: try Calibration.fit(training, options: options).map { ($0.profile, $0) })
        var starts: [String: Start] = [:]
        for profile in profiles where starts[profile.name] == nil {
            let fit = fits[profile.name]
            var start = Start(efficiency: fit?.efficiency, fromFit: fit?.values.contains(where: \.wasFitted) ?? false)
            let relative = profile.calibratedLike.lazy.compactMap { name in
                fits[name].flatMap { $0.values.contains(where: \.wasFitted) ? (name, $0) : nil }
            }.first
            if !start.fromFit, let (sibling, siblingFit) = relative {
                var own = profile.efficiency
                for value in siblingFit.values where value.wasFitted { value.key.set(value.fitted, in: &own) }
                start = Start(efficiency: own, fromFit: true, sibling: sibling)
            }
            starts[profile.name] = start
        }
        self.starts = starts
    }
}
