import Foundation
import PlanFiles
import Planner

/// `plan validate --grid` for people: one line per (model, nodes) cell with its Spearman and top-1 ratio,
/// then the summary lines. The rows themselves are in the JSON (`--format json`).
extension GridReport: Report {
    func table() -> String {
        var lines = [
            PlanTable.pad("model", 7) + PlanTable.pad("nodes", 7) + PlanTable.pad("rows", 6)
                + PlanTable.pad("spearman", 10) + PlanTable.pad("top-1", 7) + PlanTable.pad("twins", 12)
                + PlanTable.pad("predicted best", 26) + "measured best"
        ]
        for cell in cells {
            lines.append(
                PlanTable.pad(PlanTable.shown(cell.model), 7) + PlanTable.pad(String(cell.nodes), 7)
                    + PlanTable.pad(String(cell.rows), 6)
                    + PlanTable.pad(cell.spearman.map(Self.decimal) ?? "-", 10)
                    + PlanTable.pad(cell.topOneRatio.map(Self.decimal) ?? "-", 7)
                    + PlanTable.pad(cell.twinSpread.map { "\(cell.twinPairs): \(Self.whole($0))" } ?? "-", 12)
                    + PlanTable.pad(PlanTable.shown(cell.predictedBest ?? "-"), 26)
                    + PlanTable.shown(cell.measuredBest ?? "-"))
        }
        let s = summary
        lines.append("")
        lines.append("tokens/s per GPU; top-1 = measured tokens/s of the predicted-fastest row ÷ the cell's fastest")
        lines.append("cells with fewer than \(Self.minimumRows) predicted rows are not ranked")
        lines.append(
            "twins = ZeRO-0/ZeRO-1 pairs of the same degrees and microbatch: how many, and the median of how much "
                + "faster one ran (predicted within a few percent)")
        lines.append(
            "\(s.rows) rows, \(s.unpredicted) without a prediction "
                + "(the cost model refuses the configuration)")
        for errors in [s.throughput] + s.throughputByModel {
            lines.append(PlanTable.pad("throughput \(errors.scope)", 16) + Self.errors(errors))
        }
        lines.append(
            PlanTable.pad("ranking", 16) + "\(s.rankedCells) cells: median Spearman "
                + (s.medianSpearman.map(Self.decimal) ?? "-") + ", median top-1 "
                + (s.medianTopOneRatio.map(Self.decimal) ?? "-") + ", mean top-1 "
                + (s.meanTopOneRatio.map(Self.decimal) ?? "-"))
        lines.append(
            PlanTable.pad("", 16) + "\(s.agreeingCells) cells whose twins agree within "
                + "\(Self.whole(Self.twinAgreement)): median Spearman "
                + (s.agreeingMedianSpearman.map(Self.decimal) ?? "-"))
        lines.append(
            PlanTable.pad("memory", 16) + Self.errors(s.memory)
                + ", predicted out of memory: \(s.predictedOutOfMemory) (every row ran)")
        if let handoff {
            lines.append(
                PlanTable.pad("handoff", 16) + "pipeline_handoff_seconds fitted on every row: "
                    + handoff.fitted.map { "\($0.nodes): \(String(format: "%.3f", $0.seconds))" }.joined(
                        separator: ", "))
            for (name, s) in [("without it", handoff.without), ("fitted on the other model", handoff.crossModel)] {
                guard let s else {
                    lines.append(PlanTable.pad("", 16) + "\(name): - (one model in the grid)")
                    continue
                }
                lines.append(
                    PlanTable.pad("", 16) + "\(name): median Spearman " + (s.medianSpearman.map(Self.decimal) ?? "-")
                        + " (\(s.agreeingCells) cells whose twins agree: "
                        + (s.agreeingMedianSpearman.map(Self.decimal) ?? "-") + "), mean top-1 "
                        + (s.meanTopOneRatio.map(Self.decimal) ?? "-") + ", median |error| "
                        + Self.percent(s.throughput.medianAbsoluteError))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func decimal(_ value: Double) -> String { String(format: "%.3f", value) }

    static func percent(_ value: Double) -> String { String(format: "%.1f%%", value * 100) }

    static func whole(_ value: Double) -> String { String(format: "%.0f%%", value * 100) }

    static func errors(_ s: ErrorSummary) -> String {
        "\(s.rows) rows: median |error| \(percent(s.medianAbsoluteError)), worst \(percent(s.worstAbsoluteError))"
            + (s.worstRow.isEmpty ? "" : " (\(PlanTable.shown(s.worstRow)))")
    }
}
