import Foundation
import PlanFiles
import Planner

extension Comparison {
    func table() -> String {
        let header = [
            "model", "cluster", "GPUs", "prec", "seq", "plan", "step s", "tokens/s", "tok/s/GPU", "MFU", "GiB/GPU",
            "days for \(Self.tokens(trainingTokens))", "±", "cost USD", "rel.",
        ]
        let cells = rows.map(Self.cells)
        let widths = header.indices.map { i in ([header[i]] + cells.map { $0[i] }).map(\.count).max()! + 2 }
        let line = { (row: [String]) in
            row.enumerated().map { PlanTable.pad($1, widths[$0]) }.joined().trimmingCharacters(in: .whitespaces)
        }
        var lines = [line(header)] + cells.map(line)
        let close = rows.indices.filter { rows[$0].withinIntervalOfFastest == true }
        if close.count > 1 {
            lines.append("")
            lines.append(
                "rows \(close.map { String($0 + 1) }.joined(separator: ", ")) differ by less than their "
                    + "\(Int(((intervalCoverage ?? 0) * 100).rounded()))% intervals "
                    + "(±: how much longer the time may be): the prediction cannot rank them")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func cells(_ r: Row) -> [String] {
        let dash = "-"
        var cells: [String] = [
            PlanTable.shown(r.model), PlanTable.shown(r.cluster), String(r.devices), r.precision,
            String(r.sequenceLength), r.degrees,
        ]
        cells.append(r.stepTimeSeconds.map(PlanTable.fmt) ?? dash)
        cells.append(r.tokensPerSecond.map(PlanTable.fmt) ?? dash)
        cells.append(r.tokensPerSecondPerDevice.map(PlanTable.fmt) ?? dash)
        cells.append(r.mfu.map { String(format: "%.1f%%", $0 * 100) } ?? dash)
        cells.append(r.memoryPerDeviceGiB.map(PlanTable.fmt) ?? dash)
        cells.append(r.daysToTrain.map(PlanTable.fmt) ?? dash)
        cells.append(r.intervalRelative.map { String(format: "%.0f%%", $0 * 100) } ?? dash)
        cells.append(r.costUSD.map { String(format: "%.0f", $0) } ?? dash)
        cells.append(r.relativeEfficiency.map { String(format: "%.2f", $0) } ?? dash)
        return cells
    }

    func csv() -> String {
        let header = [
            "model", "cluster", "gpu", "devices", "precision", "sequence_length", "global_batch", "plan",
            "step_seconds",
            "tokens_per_second", "tokens_per_second_per_gpu", "mfu", "memory_gib_per_gpu", "days_to_train", "cost_usd",
            "relative_efficiency",
        ].joined(separator: ",")
        // RFC 4180: a field holding a comma, a quote or a line break is quoted, its quotes doubled.
        let quote = { (text: String) in
            text.contains(where: { ",\"\n\r".contains($0) })
                ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        let number = { (value: Double?) in value.map { String($0) } ?? "" }
        let lines = rows.map { r in
            [
                quote(r.model), quote(r.cluster), quote(r.gpu), String(r.devices), r.precision,
                String(r.sequenceLength),
                String(r.globalBatchSize),
                quote(r.degrees), number(r.stepTimeSeconds), number(r.tokensPerSecond),
                number(r.tokensPerSecondPerDevice), number(r.mfu),
                number(r.memoryPerDeviceGiB), number(r.daysToTrain), number(r.costUSD), number(r.relativeEfficiency),
            ].joined(separator: ",")
        }
        return ([header] + lines).joined(separator: "\n") + "\n"
    }

    func json() throws -> Data { try prettyJSON() }

    static func tokens(_ count: Double) -> String {
        count >= 1e12 ? PlanTable.fmt(count / 1e12) + "T tokens" : PlanTable.fmt(count / 1e9) + "B tokens"
    }
}
