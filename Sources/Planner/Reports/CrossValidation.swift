import CostModel

/// How well calibrated efficiency values predict runs they were not fitted on: leave-one-family-out
/// cross-validation of `Calibration` over published runs.
///
/// A family (`PublishedRun.family`) is one source: its runs share authors, software, recipes and way of
/// measuring, so a fit that saw some of a family's runs has in effect seen the others. For each family
/// F the profiles are fitted on every run not in F and F's runs are predicted with that fit; every run
/// is thus predicted once by a fit that never saw its family. Beside that, the report gives the same
/// errors with the profile files' values and with the fit on all runs (in-sample, F included): the gap
/// between in-sample and cross-validated error is how much the fit learns the runs rather than the
/// hardware.
///
/// Where holding F out leaves a profile fewer than `Calibration.Options.minimumRuns` runs (or none),
/// F's runs on it are predicted with the fit of the first `calibratedLike` relative that has one
/// (`Row.crossValidatedFromSibling`), else with the library's uncalibrated values
/// (`Row.crossValidatedFromFit` false; `HeldOutFit`).
/// Every fold starts from those uncalibrated values (`Calibration.uncalibrated`), never from the
/// profile files, whose values were fitted on all runs; each family counts its runs predicted so.
///
/// Errors are relative, (predicted − measured) / measured, as in `ValidationReport`; summaries give
/// the median and the worst |error|.
package struct CrossValidationReport: Encodable, Sendable {
    /// Median and worst |error| of a set of runs.
    package struct Errors: Encodable, Sendable {
        package var runs: Int
        package var medianAbsoluteError: Double
        package var worstAbsoluteError: Double
        package var worstRun: String

        init(_ labelled: [(id: String, error: Double)]) {
            runs = labelled.count
            medianAbsoluteError = Rounded.six(Statistics.median(labelled.map { abs($0.error) }) ?? 0)
            let worst = labelled.max { abs($0.error) < abs($1.error) }
            worstAbsoluteError = Rounded.six(worst.map { abs($0.error) } ?? 0)
            worstRun = worst?.id ?? ""
        }
    }

    /// One run's measured throughput and the three predictions, tokens/s per GPU.
    package struct Row: Encodable, Sendable {
        package var id: String
        package var family: String
        package var gpu: String
        package var fullySpecified: Bool
        package var measuredTokensPerSecondPerDevice: Double
        /// With the profile file's efficiency values (what `plan validate` predicts).
        package var fileValuesPredicted: Double
        package var fileValuesError: Double
        /// With the fit on all runs.
        package var inSamplePredicted: Double
        package var inSampleError: Double
        /// With the fit on the runs of every other family.
        package var crossValidatedPredicted: Double
        package var crossValidatedError: Double
        /// Whether the cross-validated prediction came from a fit; false when holding the family out
        /// left its profile too few runs to fit, so the uncalibrated values predicted it.
        package var crossValidatedFromFit: Bool
        /// Where its own profile had too few runs, the relative (the same chip, or the generation before)
        /// whose fit predicted it (`HardwareProfile.calibratedLike`); nil otherwise.
        package var crossValidatedFromSibling: String?
    }

    /// One family's errors under the three predictions.
    package struct Family: Encodable, Sendable {
        package var family: String
        package var runs: Int
        package var fullySpecifiedRuns: Int
        /// Runs predicted with uncalibrated values in cross-validation (`Row.crossValidatedFromFit` false).
        package var crossValidatedWithFileValues: Int
        /// Runs predicted with a sibling profile's fit (`Row.crossValidatedFromSibling`).
        package var crossValidatedFromSibling: Int
        package var fileValues: Errors
        package var inSample: Errors
        package var crossValidated: Errors
    }

    /// The errors of all runs, or of the fully specified ones, under the three predictions.
    package struct Overall: Encodable, Sendable {
        package var scope: String
        package var fileValues: Errors
        package var inSample: Errors
        package var crossValidated: Errors
    }

    /// What the fit minimises, for the reader of the JSON.
    package var objective = "per hardware profile, mean |ln(predicted / measured)| over its runs, coordinate descent"
    /// The fit on all runs, per profile (values to write into hardware-profiles/*.yaml).
    package var parameters: [Calibration.ProfileFit]
    /// Families in the order the runs first name them.
    package var families: [Family]
    /// All runs, then the fully specified ones.
    package var overall: [Overall]
    package var rows: [Row]
    /// The prediction intervals these cross-validated errors give (`PredictionIntervals`), and how
    /// many runs fall inside the interval built without their own family.
    package var intervals: PredictionIntervals
    package var intervalCoverage: Coverage

    package struct Coverage: Encodable, Sendable {
        package var claimed: Double
        /// The out-of-family share the width factor was fitted to (`PredictionIntervals.calibrated`).
        package var target: Double
        /// `PredictionIntervals.widthFactor` fitted on all families.
        package var widthFactor: Double
        /// Runs inside the interval built without their family, its width factor fitted without it too.
        package var inside: Int
        /// The same with no widening (factor 1).
        package var insideUnwidened: Int
        package var runs: Int
    }

    /// Fits on all runs, then once per family on the others (only the profiles that family's runs use:
    /// the fits are per profile, so the rest would be the all-runs fit again).
    package init(runs: [PublishedRun], options: Calibration.Options = Calibration.Options()) throws {
        let fileValues = try runs.map { try Calibration.predictedTokensPerSecondPerDevice($0) }
        parameters = try Calibration.fit(runs, options: options)
        let all = Dictionary(uniqueKeysWithValues: parameters.map { ($0.profile, $0.efficiency) })
        let inSample = try runs.map { run in
            try Calibration.predictedTokensPerSecondPerDevice(run, efficiency: all[run.cluster.profile.name])
        }
        var names: [String] = []
        for run in runs where !names.contains(run.family) { names.append(run.family) }
        var crossValidated = [Double](repeating: 0, count: runs.count)
        var fromFit = [Bool](repeating: false, count: runs.count)
        var fromSibling = [String?](repeating: nil, count: runs.count)
        // The profiles' files carry values fitted on every run, held-out families included; a fold
        // must not start from them or fall back on them. Each fold starts from the library's
        // uncalibrated values (`Calibration.uncalibrated`); `HeldOutFit` says what a profile that keeps
        // too few runs without the family falls back on.
        let blank = runs.map(Calibration.uncalibrated)
        for name in names {
            let heldOut = runs.indices.filter { runs[$0].family == name }
            let fold = try HeldOutFit(
                blank: blank, without: name, profiles: heldOut.map { blank[$0].cluster.profile }, options: options)
            for index in heldOut {
                let start = fold.starts[runs[index].cluster.profile.name]
                fromFit[index] = start?.fromFit ?? false
                fromSibling[index] = start?.sibling
                crossValidated[index] = try Calibration.predictedTokensPerSecondPerDevice(
                    blank[index], efficiency: start?.efficiency)
            }
        }
        rows = runs.indices.map { i in
            let run = runs[i]
            let measured = run.measuredTokensPerSecondPerDevice
            return Row(
                id: run.id, family: run.family, gpu: run.cluster.profile.name, fullySpecified: run.fullySpecified,
                measuredTokensPerSecondPerDevice: measured,
                fileValuesPredicted: Rounded.six(fileValues[i]),
                fileValuesError: Rounded.six(fileValues[i] / measured - 1),
                inSamplePredicted: Rounded.six(inSample[i]), inSampleError: Rounded.six(inSample[i] / measured - 1),
                crossValidatedPredicted: Rounded.six(crossValidated[i]),
                crossValidatedError: Rounded.six(crossValidated[i] / measured - 1), crossValidatedFromFit: fromFit[i],
                crossValidatedFromSibling: fromSibling[i])
        }
        let rows = rows
        families = names.map { name in
            let members = rows.filter { $0.family == name }
            return Family(
                family: name, runs: members.count, fullySpecifiedRuns: members.filter(\.fullySpecified).count,
                crossValidatedWithFileValues: members.filter { !$0.crossValidatedFromFit }.count,
                crossValidatedFromSibling: members.filter { $0.crossValidatedFromSibling != nil }.count,
                fileValues: Errors(members.map { ($0.id, $0.fileValuesError) }),
                inSample: Errors(members.map { ($0.id, $0.inSampleError) }),
                crossValidated: Errors(members.map { ($0.id, $0.crossValidatedError) }))
        }
        let calibrated = PredictionIntervals.calibrated(runs: runs, predicted: crossValidated)
        intervals = calibrated.intervals
        let raw = PredictionIntervals.heldOutCoverage(runs: runs, predicted: crossValidated, widthFactor: 1)
        intervalCoverage = Coverage(
            claimed: intervals.coverage, target: calibrated.target, widthFactor: intervals.widthFactor,
            inside: calibrated.inside, insideUnwidened: raw, runs: runs.count)
        overall = [("all", rows), ("fully specified", rows.filter(\.fullySpecified))].map { scope, members in
            Overall(
                scope: scope, fileValues: Errors(members.map { ($0.id, $0.fileValuesError) }),
                inSample: Errors(members.map { ($0.id, $0.inSampleError) }),
                crossValidated: Errors(members.map { ($0.id, $0.crossValidatedError) }))
        }
    }
}
