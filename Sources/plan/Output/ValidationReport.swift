import CostModel
import Foundation
import Planner

/// Predicted vs measured tokens per second per GPU for published runs, with median and worst error.
struct ValidationReport: Encodable {
    struct Row: Encodable {
        var id: String
        var gpu: String
        var devices: Int
        var configuration: String
        var fullySpecified: Bool
        var measuredTokensPerSecondPerDevice: Double
        var predictedTokensPerSecondPerDevice: Double
        /// (predicted − measured) / measured.
        var error: Double
        var predictedMemoryGiB: Double
        var capacityGiB: Double
        var fits: Bool
    }
    struct Summary: Encodable {
        var runs: Int
        var medianAbsoluteError: Double
        var worstAbsoluteError: Double
        var worstRun: String
        var predictedOutOfMemory: Int
    }

    var rows: [Row]
    var fullySpecified: Summary
    var all: Summary

    init(runs: [PublishedRun]) throws {
        rows = try runs.map { run in
            let plan: TrainingPlan
            do {
                plan = try TrainingSearch.evaluate(model: run.model, cluster: run.cluster, config: run.config,
                                                   method: .uniform(recomputedPerStage: run.recomputeLayers))
            } catch let problem as ConfigurationProblem {
                throw InputError(key: "\(run.id).config", "\(problem.field.rawValue): \(problem.message)")
            }
            let predicted = plan.estimate.tokensPerSecond / Double(run.config.devices)
            let c = run.config
            var text = "tp\(c.tensor) pp\(c.pipeline) dp\(c.data)"
            if c.context > 1 { text += " cp\(c.context)" }
            if c.expert > 1 { text += " ep\(c.expert)" }
            if c.virtualStages > 1 { text += " v\(c.virtualStages)" }
            text += " mbs\(c.microbatchSize) gbs\(c.globalBatchSize) \(c.recompute.rawValue) z\(c.zeroStage) \(c.precision.rawValue)"
            return Row(id: run.id, gpu: run.cluster.profile.name, devices: run.cluster.devices, configuration: text,
                       fullySpecified: run.fullySpecified,
                       measuredTokensPerSecondPerDevice: run.measuredTokensPerSecondPerDevice,
                       predictedTokensPerSecondPerDevice: PlanDocument.round(predicted),
                       error: PlanDocument.round(predicted / run.measuredTokensPerSecondPerDevice - 1),
                       predictedMemoryGiB: PlanDocument.gib(plan.estimate.memory.totalBytes),
                       capacityGiB: run.cluster.profile.memoryGiB, fits: plan.estimate.memory.totalBytes <= run.cluster.profile.memoryBytes)
        }
        fullySpecified = Self.summary(rows.filter(\.fullySpecified))
        all = Self.summary(rows)
    }

    static func summary(_ rows: [Row]) -> Summary {
        let errors = rows.map { abs($0.error) }.sorted()
        let median = errors.isEmpty ? 0 : (errors.count % 2 == 1 ? errors[errors.count / 2] : (errors[errors.count / 2 - 1] + errors[errors.count / 2]) / 2)
        let worst = rows.max { abs($0.error) < abs($1.error) }
        return Summary(runs: rows.count, medianAbsoluteError: PlanDocument.round(median),
                       worstAbsoluteError: PlanDocument.round(worst.map { abs($0.error) } ?? 0), worstRun: worst?.id ?? "",
                       predictedOutOfMemory: rows.filter { !$0.fits }.count)
    }

    func json() throws -> Data { try prettyJSON() }

    func table() -> String {
        var lines = ["run                                               gpu              GPUs  configuration                                   measured  predicted   error   memory GiB"]
        for row in rows {
            let memory = "\(PlanTable.fmt(row.predictedMemoryGiB))/\(PlanTable.fmt(row.capacityGiB))\(row.fits ? "" : " OOM!")"
            lines.append(PlanTable.pad(row.id + (row.fullySpecified ? "" : " *"), 50) + PlanTable.pad(row.gpu, 17)
                         + PlanTable.pad(String(row.devices), 6) + PlanTable.pad(row.configuration, 48)
                         + PlanTable.pad(PlanTable.fmt(row.measuredTokensPerSecondPerDevice), 10)
                         + PlanTable.pad(PlanTable.fmt(row.predictedTokensPerSecondPerDevice), 11)
                         + PlanTable.pad(String(format: "%+.1f%%", row.error * 100), 8) + memory)
        }
        lines.append("")
        lines.append("tokens/s per GPU; * = configuration partly assumed (see the runs file)")
        for (name, s) in [("fully specified", fullySpecified), ("all", all)] {
            lines.append("\(PlanTable.pad(name, 16)) \(s.runs) runs: median |error| \(String(format: "%.1f", s.medianAbsoluteError * 100))%, worst \(String(format: "%.1f", s.worstAbsoluteError * 100))% (\(s.worstRun)), predicted out of memory: \(s.predictedOutOfMemory)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
