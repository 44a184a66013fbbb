import CostModel
import Foundation
import Planner

/// Predicted against measured serving metrics (throughput, TTFT, TPOT, batch latency) for
/// published runs, with the median and worst error per metric and overall.
struct ServingValidationReport: Report {
    struct Row: Encodable {
        var id: String
        var gpu: String
        var configuration: String
        var fullySpecified: Bool
        var metric: String
        var measured: Double
        var predicted: Double
        /// (predicted − measured) / measured.
        var error: Double
    }

    var rows: [Row]
    var fullySpecified: ValidationReport.Summary
    var all: ValidationReport.Summary

    init(runs: [PublishedServingRun]) {
        var rows: [Row] = []
        for run in runs {
            let c = run.config
            let cost = InferenceCost(model: run.model, cluster: run.cluster, config: c)
            let text = "tp\(c.tensor) pp\(c.pipeline) ×\(c.replicas) batch \(c.batchSize) \(c.promptTokens)/\(c.outputTokens) \(c.precision.rawValue)/kv \(c.kvCachePrecision.rawValue)"
            func add(_ metric: String, _ measured: Double?, _ predicted: Double) {
                guard let measured else { return }
                rows.append(Row(id: run.id, gpu: run.cluster.profile.name, configuration: text, fullySpecified: run.fullySpecified,
                                metric: metric, measured: measured, predicted: PlanDocument.round(predicted),
                                error: PlanDocument.round(predicted / measured - 1)))
            }
            add("output tokens/s", run.outputTokensPerSecond, cost.replicaOutputTokensPerSecond * Double(c.replicas))
            add("TTFT s", run.ttftSeconds, cost.ttftSeconds)
            add("TPOT s", run.tpotSeconds, cost.decodeStepSeconds)
            add("latency s", run.latencySeconds, cost.prefillSeconds + Double(c.outputTokens) * cost.decodeStepSeconds)
        }
        self.rows = rows
        fullySpecified = Self.summary(rows.filter(\.fullySpecified))
        all = Self.summary(rows)
    }

    static func summary(_ rows: [Row]) -> ValidationReport.Summary {
        .init(errors: rows.map { ("\($0.id) (\($0.metric))", $0.error) }, outOfMemory: 0)
    }

    func table() -> String {
        var lines = ["run                                                      gpu              configuration                                  metric           measured  predicted   error"]
        for row in rows {
            lines.append(PlanTable.pad(row.id + (row.fullySpecified ? "" : " *"), 57) + PlanTable.pad(row.gpu, 17)
                         + PlanTable.pad(row.configuration, 47) + PlanTable.pad(row.metric, 17)
                         + PlanTable.pad(PlanTable.fmt(row.measured), 10) + PlanTable.pad(PlanTable.fmt(row.predicted), 11)
                         + String(format: "%+.1f%%", row.error * 100))
        }
        lines.append("")
        lines.append("* = configuration partly assumed (see the runs file); each measured metric is one row")
        for (name, s) in [("fully specified", fullySpecified), ("all", all)] {
            lines.append("\(PlanTable.pad(name, 16)) \(s.runs) measurements: median |error| \(String(format: "%.1f", s.medianAbsoluteError * 100))%, worst \(String(format: "%.1f", s.worstAbsoluteError * 100))% (\(s.worstRun))")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
