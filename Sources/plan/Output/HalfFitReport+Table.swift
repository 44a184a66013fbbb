import Foundation
import Planner

extension HalfFitReport: Report {
    func table() -> String {
        var lines = [
            "family               fitted on  predicted  median |error| before -> after   worst before -> after"
        ]
        func percent(_ value: Double) -> String { String(format: "%.1f%%", value * 100) }
        for family in families {
            lines.append(
                PlanTable.pad(PlanTable.shown(family.family), 21) + PlanTable.pad(String(family.fittedOn.count), 11)
                    + PlanTable.pad(String(family.predicted.count), 11)
                    + PlanTable.pad("\(percent(family.medianBefore)) -> \(percent(family.medianAfter))", 33)
                    + "\(percent(family.worstBefore)) -> \(percent(family.worstAfter))")
        }
        let improved = families.filter { $0.medianAfter < $0.medianBefore }.count
        let same = families.filter { $0.medianAfter == $0.medianBefore }.count
        lines.append("")
        lines.append(
            "\(improved) of \(families.count) families predict their second half better after calibrating on the "
                + "first, \(same) the same (seed \(seed)); before: the fit on the other families")
        if !skipped.isEmpty {
            lines.append("skipped (too few runs on one profile to calibrate): \(skipped.joined(separator: ", "))")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
