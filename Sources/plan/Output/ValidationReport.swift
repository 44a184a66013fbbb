import CostModel
import Foundation
import Planner

/// Predicted vs measured tokens per second per GPU for published runs, with median and worst error.
struct ValidationReport: Report {
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
        /// With `--search`: the published degrees under the search's assumptions (flash attention,
        /// recompute chosen per stage, ZeRO ≥ 1), their step time with the optimal split, and the
        /// step time of the plan `plan train` finds for the same job; nil outside the search space.
        var publishedStepSeconds: Double?
        var searchStepSeconds: Double?
        var searchPlan: String?
    }
    struct Summary: Encodable {
        var runs: Int
        var medianAbsoluteError: Double
        var worstAbsoluteError: Double
        var worstRun: String
        var predictedOutOfMemory: Int

        /// Median and worst absolute relative error of labelled errors.
        init(errors: [(label: String, error: Double)], outOfMemory: Int) {
            let sorted = errors.map { abs($0.error) }.sorted()
            let n = sorted.count
            let median = n == 0 ? 0 : (n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2)
            let worst = errors.max { abs($0.error) < abs($1.error) }
            runs = n
            medianAbsoluteError = PlanDocument.round(median)
            worstAbsoluteError = PlanDocument.round(worst.map { abs($0.error) } ?? 0)
            worstRun = worst?.label ?? ""
            predictedOutOfMemory = outOfMemory
        }
    }

    var rows: [Row]
    var fullySpecified: Summary
    var all: Summary

    init(runs: [PublishedRun], searchUpTo maxDevices: Int? = nil) throws {
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
            var row = Row(id: run.id, gpu: run.cluster.profile.name, devices: run.cluster.devices, configuration: text,
                       fullySpecified: run.fullySpecified,
                       measuredTokensPerSecondPerDevice: run.measuredTokensPerSecondPerDevice,
                       predictedTokensPerSecondPerDevice: PlanDocument.round(predicted),
                       error: PlanDocument.round(predicted / run.measuredTokensPerSecondPerDevice - 1),
                       predictedMemoryGiB: PlanDocument.gib(plan.estimate.memory.totalBytes),
                       capacityGiB: run.cluster.profile.memoryGiB, fits: plan.estimate.memory.totalBytes <= run.cluster.profile.memoryBytes)
            if let maxDevices, run.cluster.devices <= maxDevices { Self.compareWithSearch(run, &row) }
            return row
        }
        fullySpecified = Self.summary(rows.filter(\.fullySpecified))
        all = Self.summary(rows)
    }

    /// Runs the search on the run's job and evaluates the published degrees the way the search
    /// would (its space: flash attention, full recompute with per-stage counts, ZeRO 1 for ZeRO 0).
    static func compareWithSearch(_ run: PublishedRun, _ row: inout Row) {
        var published = run.config
        published.flashAttention = true
        published.recompute = .full
        published.sequenceParallel = published.tensor > 1
        if published.data * published.context > 1 { published.zeroStage = max(published.zeroStage, 1) }
        if published.pipeline > 1 && published.zeroStage > 1 { return }
        let space = SearchSpace(model: run.model, cluster: run.cluster, globalBatchSize: published.globalBatchSize,
                                sequenceLength: published.sequenceLength, precisions: [published.precision])
        guard space.configurations().contains(where: { $0 == published }) else { return }
        guard let evaluated = try? TrainingSearch.evaluate(model: run.model, cluster: run.cluster, config: published) else { return }
        guard let best = TrainingSearch.run(space: space, options: SearchOptions(top: 1)).plans.first else { return }
        row.publishedStepSeconds = PlanDocument.round(evaluated.estimate.stepSeconds)
        row.searchStepSeconds = PlanDocument.round(best.estimate.stepSeconds)
        row.searchPlan = "\(best.degrees) mbs \(best.config.microbatchSize) vpp \(best.config.virtualStages)"
    }

    static func summary(_ rows: [Row]) -> Summary {
        Summary(errors: rows.map { ($0.id, $0.error) }, outOfMemory: rows.filter { !$0.fits }.count)
    }

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
