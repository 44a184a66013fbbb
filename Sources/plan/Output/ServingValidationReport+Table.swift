import Foundation
import PlanFiles
import Planner

extension ServingValidationReport: Report {
    func table() -> String {
        var lines = [
            "run                                                      gpu              configuration                 "
                + "                 metric           measured  predicted   error"
        ]
        for row in rows {
            lines.append(
                PlanTable.pad(PlanTable.shown(row.id) + (row.fullySpecified ? "" : " *"), 57)
                    + PlanTable.pad(PlanTable.shown(row.gpu), 17)
                    + PlanTable.pad(row.configuration, 47) + PlanTable.pad(row.metric, 17)
                    + PlanTable.pad(PlanTable.fmt(row.measured), 10) + PlanTable.pad(PlanTable.fmt(row.predicted), 11)
                    + String(format: "%+.1f%%", row.error * 100))
        }
        lines.append("")
        lines.append("* = configuration partly assumed (see the runs file); each measured metric is one row")
        for (name, s) in [("fully specified", fullySpecified), ("all", all)] {
            lines.append(
                "\(PlanTable.pad(name, 16)) \(s.runs) measurements: median |error| "
                    + "\(String(format: "%.1f", s.medianAbsoluteError * 100))%, worst "
                    + "\(String(format: "%.1f", s.worstAbsoluteError * 100))% (\(PlanTable.shown(s.worstRun)))"
            )
        }
        lines.append("")
        lines.append("by metric        fully specified (median / worst)   all (median / worst)")
        for m in byMetric {
            func cell(_ s: ValidationReport.Summary) -> String {
                s.runs == 0
                    ? "none"
                    : "\(s.runs): \(String(format: "%.1f", s.medianAbsoluteError * 100))% / "
                        + "\(String(format: "%.1f", s.worstAbsoluteError * 100))%"
            }
            lines.append(PlanTable.pad(m.metric, 17) + PlanTable.pad(cell(m.fullySpecified), 35) + cell(m.all))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
