import Foundation
import Planner

extension CalibrationReport {
    /// The fitted values, then each run before, after and left out of the fit, then the medians.
    func table() -> String {
        var lines = ["calibrate \(PlanTable.shown(profile)) on \(runs) runs", ""]
        lines.append("value                  profile    fitted     runs that pin it")
        for value in fit.values {
            let note = kept.first { $0.key == value.key }.map { "kept: \($0.reason)" } ?? String(value.constrainingRuns)
            lines.append(
                PlanTable.pad(value.key.rawValue, 23) + PlanTable.pad(PlanTable.fmt(value.file), 11)
                    + PlanTable.pad(value.wasFitted ? PlanTable.fmt(value.fitted) : "-", 11) + note)
        }
        lines.append("")
        let width = max(rows.map(\.id.count).max() ?? 0, 14) + 2
        lines.append(
            PlanTable.pad("run", width) + PlanTable.pad("measured", 10) + PlanTable.pad("before", 17)
                + PlanTable.pad("after", 17) + "left out (fitted on the others)")
        func cell(_ predicted: Double?, _ error: Double?) -> String {
            guard let predicted, let error else { return "-" }
            return PlanTable.fmt(predicted) + String(format: " %+.1f%%", error * 100)
        }
        for row in rows {
            lines.append(
                PlanTable.pad(PlanTable.shown(row.id), width)
                    + PlanTable.pad(PlanTable.fmt(row.measuredTokensPerSecondPerDevice), 10)
                    + PlanTable.pad(cell(row.beforePredicted, row.beforeError), 17)
                    + PlanTable.pad(cell(row.afterPredicted, row.afterError), 17)
                    + cell(row.leaveOneOutPredicted, row.leaveOneOutError))
        }
        let loo = medianLeaveOneOut.map { String(format: "%.1f%%", $0 * 100) } ?? "-"
        lines.append(
            PlanTable.pad("median |error|", width + 10)
                + PlanTable.pad(String(format: "%.1f%%", medianBefore * 100), 17)
                + PlanTable.pad(String(format: "%.1f%%", medianAfter * 100), 17) + loo)
        lines.append("")
        lines.append("tokens/s per GPU; before: the profile's values; after: the fit on all these runs (in sample)")
        return lines.joined(separator: "\n") + "\n"
    }
}
