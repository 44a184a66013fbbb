import CostModel
import Foundation

/// Predicted vs measured tokens per second per GPU for published runs, with median and worst error.
package struct ValidationReport: Encodable, Sendable {
    package struct Row: Encodable {
        package var id: String
        package var gpu: String
        package var devices: Int
        package var configuration: String
        package var fullySpecified: Bool
        package var measuredTokensPerSecondPerDevice: Double
        package var predictedTokensPerSecondPerDevice: Double
        /// (predicted − measured) / measured.
        package var error: Double
        package var predictedMemoryGiB: Double
        package var capacityGiB: Double
        package var fits: Bool
        /// Peak memory per GPU the source reports, what the allocator is predicted to reserve
        /// (`TrainingEstimate.Memory.allocatorReservedBytes`, the figure PyTorch reports), and
        /// (predicted reserved − measured) / measured; nil (and absent from the JSON) where the source
        /// reports none.
        package var measuredMemoryGiB: Double?
        package var predictedReservedMemoryGiB: Double?
        package var memoryError: Double?
        /// With `--search`: the published degrees under the search's assumptions (flash attention,
        /// recompute chosen per stage, ZeRO ≥ 1), their step time with the optimal split, and the
        /// step time of the plan `plan train` finds for the same job; nil outside the search space.
        package var publishedStepSeconds: Double?
        package var searchStepSeconds: Double?
        package var searchPlan: String?
        /// Why the search comparison is missing or incomplete when a split MILP stopped at a limit or
        /// failed (never set otherwise, so reports without such solves keep their bytes).
        package var searchNote: String?
    }
    package struct Summary: Encodable {
        package var runs: Int
        package var medianAbsoluteError: Double
        package var worstAbsoluteError: Double
        package var worstRun: String
        package var predictedOutOfMemory: Int
        /// Runs with measured memory, and the median and worst |memory error| over them (absent when
        /// no run reports memory).
        package var memoryRuns: Int?
        package var medianAbsoluteMemoryError: Double?
        package var worstAbsoluteMemoryError: Double?

        /// Median and worst absolute relative error of labelled errors.
        init(errors: [(label: String, error: Double)], outOfMemory: Int, memoryErrors: [Double] = []) {
            let sorted = errors.map { abs($0.error) }.sorted()
            let n = sorted.count
            let median = n == 0 ? 0 : (n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2)
            let worst = errors.max { abs($0.error) < abs($1.error) }
            runs = n
            medianAbsoluteError = Rounded.six(median)
            worstAbsoluteError = Rounded.six(worst.map { abs($0.error) } ?? 0)
            worstRun = worst?.label ?? ""
            predictedOutOfMemory = outOfMemory
            if !memoryErrors.isEmpty {
                let memory = memoryErrors.map(abs)
                memoryRuns = memory.count
                medianAbsoluteMemoryError = Statistics.median(memory).map(Rounded.six)
                worstAbsoluteMemoryError = memory.max().map(Rounded.six)
            }
        }
    }

    package var rows: [Row]
    package var fullySpecified: Summary
    package var all: Summary

    package init(runs: [PublishedRun], searchUpTo maxDevices: Int? = nil) throws {
        rows = try runs.map { run in
            let plan = try Self.plan(for: run)
            let predicted = plan.estimate.tokensPerSecond / Double(run.config.devices)
            let c = run.config
            let text =
                c.degreeLabel(.compact) + " mbs\(c.microbatchSize) gbs\(c.globalBatchSize)"
                + " \(c.recompute.rawValue) z\(c.zeroStage) \(c.precision.rawValue)"
            var row = Row(
                id: run.id, gpu: run.cluster.profile.name, devices: run.cluster.devices, configuration: text,
                fullySpecified: run.fullySpecified,
                measuredTokensPerSecondPerDevice: run.measuredTokensPerSecondPerDevice,
                predictedTokensPerSecondPerDevice: Rounded.six(predicted),
                error: Rounded.six(predicted / run.measuredTokensPerSecondPerDevice - 1),
                predictedMemoryGiB: Rounded.gib(plan.estimate.memory.totalBytes),
                capacityGiB: run.cluster.profile.memoryGiB,
                fits: plan.estimate.memory.totalBytes <= run.cluster.profile.memoryBytes)
            if let measured = run.measuredMemoryGiB {
                let reserved = plan.estimate.memory.allocatorReservedBytes
                row.measuredMemoryGiB = measured
                row.predictedReservedMemoryGiB = Rounded.gib(reserved)
                row.memoryError = Rounded.six(reserved / 1_073_741_824 / measured - 1)
            }
            if let maxDevices, run.cluster.devices <= maxDevices { Self.compareWithSearch(run, &row) }
            return row
        }
        fullySpecified = Self.summary(rows.filter(\.fullySpecified))
        all = Self.summary(rows)
    }

    /// What `plan validate` predicts for a run: its published configuration on its framework, with
    /// an even layer split and the run's recomputed layers per stage (no split MILP, no search), so the
    /// prediction judges the cost model alone. `Calibration` fits through this same function.
    package static func plan(for run: PublishedRun) throws -> TrainingPlan {
        try TrainingSearch.evaluate(
            model: run.model, cluster: run.cluster, config: run.config,
            framework: run.framework, method: .uniform(recomputedPerStage: run.recomputeLayers))
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
        let space = SearchSpace(
            model: run.model, cluster: run.cluster, globalBatchSize: published.globalBatchSize,
            sequenceLength: published.sequenceLength, precisions: [published.precision],
            framework: run.framework)
        guard space.configurations().contains(where: { $0 == published }) else { return }
        let evaluated: TrainingPlan
        do {
            evaluated = try TrainingSearch.evaluate(
                model: run.model, cluster: run.cluster, config: published,
                framework: run.framework)
        } catch let error as SolverError where error.kind != .infeasible {
            row.searchNote = "split MILP of the published degrees: \(error)"
            return
        } catch {
            return  // no split fits under the search's assumptions, or outside its rules: nothing to compare
        }
        let result = TrainingSearch.run(space: space, options: SearchOptions(top: 1))
        if !result.unsolvedReasons.isEmpty {
            row.searchNote = "search incomplete: " + result.unsolvedReasons.joined(separator: "; ")
        }
        guard let best = result.plans.first else { return }
        row.publishedStepSeconds = Rounded.six(evaluated.estimate.stepSeconds)
        row.searchStepSeconds = Rounded.six(best.estimate.stepSeconds)
        row.searchPlan = "\(best.degrees) mbs \(best.config.microbatchSize) vpp \(best.config.virtualStages)"
    }

    static func summary(_ rows: [Row]) -> Summary {
        Summary(
            errors: rows.map { ($0.id, $0.error) }, outOfMemory: rows.filter { !$0.fits }.count,
            memoryErrors: rows.compactMap(\.memoryError))
    }
}
