import Foundation
import Planner

extension ServingCrossValidationReport: Report {
    /// Held-out and in-sample errors per family and per metric.
    func table() -> String {
        func percent(_ value: Double) -> String { String(format: "%.1f%%", value * 100) }
        func cell(_ s: ValidationReport.Summary) -> String {
            s.runs == 0 ? "none" : "\(s.runs): \(percent(s.medianAbsoluteError)) / \(percent(s.worstAbsoluteError))"
        }
        var lines = [
            "serving, each source family held out (fit on the others, predict it); median / worst |error|", "",
        ]
        lines.append("family                 measurements  cross-validated      fitted without it (per GPU)")
        for f in families {
            let fits = f.fits.map {
                "\($0.gpu): decode \($0.decodeMemory), kv \($0.kvCacheMemory), "
                    + "step \(Int($0.decodeStepOverheadMicroseconds)) µs, "
                    + "prefill \(Int($0.prefillOverheadMicroseconds)) µs"
            }
            lines.append(
                PlanTable.pad(f.family, 23) + PlanTable.pad("\(f.measurements)", 14)
                    + PlanTable.pad(cell(f.crossValidated), 21)
                    + (fits.isEmpty ? "uncalibrated values (too few measurements)" : fits.joined(separator: "; ")))
        }
        lines.append("")
        lines.append("metric           cross-validated: fully specified / all       in-sample: fully specified / all")
        for m in byMetric {
            lines.append(
                PlanTable.pad(m.metric, 17) + PlanTable.pad(cell(m.crossValidatedFullySpecified), 22)
                    + PlanTable.pad(cell(m.crossValidatedAll), 23) + PlanTable.pad(cell(m.inSampleFullySpecified), 22)
                    + cell(m.inSampleAll))
        }
        lines.append(
            PlanTable.pad("every row", 17) + PlanTable.pad(cell(crossValidatedFullySpecified), 22)
                + PlanTable.pad(cell(crossValidated), 23) + PlanTable.pad(cell(inSampleFullySpecified), 22)
                + cell(inSample))
        return lines.joined(separator: "\n") + "\n"
    }
}
