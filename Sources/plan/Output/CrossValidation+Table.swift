import Foundation
import PlanFiles
import Planner

/// `plan validate --cross-validate` for people: one line per family with median and worst |error| under
/// the profile files' values, the fit on all runs (in-sample) and the fit that never saw the family
/// (cross-validated); the overall lines; then the values fitted on all runs per profile. The rows
/// themselves are in the JSON (`--format json`).
extension CrossValidationReport: Report {
    func table() -> String {
        var lines = [
            PlanTable.pad("family", 20) + PlanTable.pad("runs", 6) + PlanTable.pad("file values", 18)
                + PlanTable.pad("in-sample", 18) + PlanTable.pad("cross-validated", 18) + "worst cross-validated run",
            PlanTable.pad("", 26) + String(repeating: PlanTable.pad("median  worst", 18), count: 3),
        ]
        func cells(_ errors: Errors) -> String {
            PlanTable.pad(Self.percent(errors.medianAbsoluteError), 8)
                + PlanTable.pad(Self.percent(errors.worstAbsoluteError), 10)
        }
        for family in families {
            var notes: [String] = []
            if family.crossValidatedWithFileValues > 0 {
                notes.append("\(family.crossValidatedWithFileValues) uncalibrated")
            }
            if family.crossValidatedFromSibling > 0 {
                notes.append("\(family.crossValidatedFromSibling) by a relative's fit")
            }
            let note = notes.isEmpty ? "" : " (" + notes.joined(separator: ", ") + ")"
            lines.append(
                PlanTable.pad(PlanTable.shown(family.family), 20) + PlanTable.pad(String(family.runs), 6)
                    + cells(family.fileValues) + cells(family.inSample) + cells(family.crossValidated)
                    + PlanTable.shown(family.crossValidated.worstRun) + note)
        }
        lines.append("")
        for scope in overall {
            lines.append(
                PlanTable.pad(scope.scope, 20) + PlanTable.pad(String(scope.crossValidated.runs), 6)
                    + cells(scope.fileValues) + cells(scope.inSample) + cells(scope.crossValidated)
                    + PlanTable.shown(scope.crossValidated.worstRun))
        }
        lines.append("")
        lines.append(
            "|error| of tokens/s per GPU. in-sample: fitted on all runs; cross-validated: each family predicted by")
        lines.append(
            "the fit on the other families, each fold starting from uncalibrated values (used as they are where\n"
                + "holding the family out leaves its profile under 3 runs, unless the profile's calibrated_like names\n"
                + "a relative with a fit: the same chip, then the generation before, whose fit then stands in).")
        lines.append("")
        let c = intervalCoverage
        func share(_ inside: Int) -> String { Self.percent(Double(inside) / Double(max(c.runs, 1))) }
        lines.append(
            "prediction intervals (prediction.uncertainty), \(Self.percent(c.claimed)) claimed: built without each "
                + "family, they hold \(c.inside) of \(c.runs) runs (\(share(c.inside))) with the width factor also "
                + "fitted without it")
        lines.append(
            "(\(c.insideUnwidened) runs, \(share(c.insideUnwidened)), unwidened); the shipped intervals' factor, "
                + "fitted on all families to hold \(Self.percent(c.target)) out of family: "
                + "×\(PlanTable.fmt(c.widthFactor))"
        )
        lines.append("")
        lines.append(
            "fitted on all runs (hardware-profiles/*.yaml `efficiency:` keys; values in parentheses kept from "
                + "the file):")
        var header = PlanTable.pad("profile", 22) + PlanTable.pad("runs", 6)
        for parameter in Calibration.Parameter.allCases {
            header += PlanTable.pad(parameter.rawValue, parameter.rawValue.count + 2)
        }
        lines.append(header + "mean |ln(pred/meas)|")
        for fit in parameters {
            var line = PlanTable.pad(PlanTable.shown(fit.profile), 22) + PlanTable.pad(String(fit.runs), 6)
            for value in fit.values {
                let text = PlanTable.fmt(value.fitted)
                line += PlanTable.pad(value.wasFitted ? text : "(\(text))", value.key.rawValue.count + 2)
            }
            lines.append(line + String(format: "%.3f -> %.3f", fit.objectiveBefore, fit.objectiveAfter))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func percent(_ fraction: Double) -> String { String(format: "%.1f%%", fraction * 100) }
}
