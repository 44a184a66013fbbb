import Foundation
import PlanFiles
import Planner

extension ValidationReport: Report {
    func table() -> String {
        var lines = [
            "run                                               gpu              GPUs  configuration                  "
                + "                 measured  predicted   error   memory GiB"
        ]
        for row in rows {
            let memory =
                "\(PlanTable.fmt(row.predictedMemoryGiB))/\(PlanTable.fmt(row.capacityGiB))\(row.fits ? "" : " OOM!")"
            lines.append(
                PlanTable.pad(PlanTable.shown(row.id) + (row.fullySpecified ? "" : " *"), 50)
                    + PlanTable.pad(PlanTable.shown(row.gpu), 17)
                    + PlanTable.pad(String(row.devices), 6) + PlanTable.pad(row.configuration, 48)
                    + PlanTable.pad(PlanTable.fmt(row.measuredTokensPerSecondPerDevice), 10)
                    + PlanTable.pad(PlanTable.fmt(row.predictedTokensPerSecondPerDevice), 11)
                    + PlanTable.pad(String(format: "%+.1f%%", row.error * 100), 8) + memory)
        }
        lines.append("")
        lines.append("tokens/s per GPU; * = configuration partly assumed (see the runs file)")
        for (name, s) in [("fully specified", fullySpecified), ("all", all)] {
            lines.append(
                "\(PlanTable.pad(name, 16)) \(s.runs) runs: median |error| "
                    + "\(String(format: "%.1f", s.medianAbsoluteError * 100))%, worst "
                    + "\(String(format: "%.1f", s.worstAbsoluteError * 100))% (\(PlanTable.shown(s.worstRun))), "
                    + "predicted out of "
                    + "memory: \(s.predictedOutOfMemory)"
            )
            if let runs = s.memoryRuns, let median = s.medianAbsoluteMemoryError, let worst = s.worstAbsoluteMemoryError
            {
                lines.append(
                    "\(PlanTable.pad("", 16)) memory of the \(runs) runs that report it: median |error| "
                        + "\(String(format: "%.1f", median * 100))%, worst \(String(format: "%.1f", worst * 100))%")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
