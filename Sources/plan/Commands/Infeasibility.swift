import CostModel
import Foundation
import PlanFiles
import Planner

/// The answer when the search gives no plan: why, and only fixes that were tried. Each fix it
/// names (more devices, fp8, a larger device, another global batch, a longer time limit) is a
/// search that was run again with that change and found a plan; the plan found is quoted.
enum Infeasibility {
    static func message(result: SearchResult, space: SearchSpace, options: SearchOptions) -> String {
        guard result.candidates > 0 else { return noConfiguration(space: space, options: options) }
        let unsolved = result.timedOut + result.solverFailures
        guard unsolved == 0 else { return unsolvedMessage(result: result, space: space, options: options) }
        return noFit(result: result, space: space, options: options)
    }

    /// A plan of `space` that fits, if one is found (a fix's check: `TrainingSearch.fittingPlan`,
    /// which stops at the first split that fits instead of searching for the fastest).
    static func firstPlan(_ space: SearchSpace, _ options: SearchOptions) -> TrainingPlan? {
        TrainingSearch.fittingPlan(space: space, options: options)
    }

    static func shown(_ plan: TrainingPlan) -> String {
        let c = plan.config
        let gib = plan.estimate.memory.totalBytes / 1_073_741_824
        return "tp=\(c.tensor) pp=\(c.pipeline) dp=\(c.data)\(c.context > 1 ? " cp=\(c.context)" : "") "
            + "\(c.precision.rawValue), \(String(format: "%.1f", gib)) GiB"
    }

    private static func noConfiguration(space: SearchSpace, options: SearchOptions) -> String {
        let devices = space.cluster.devices
        var message =
            "no configuration divides \(devices) devices for global batch \(space.globalBatchSize) (tensor "
            + "parallelism must divide the \(space.model.attentionHeads) heads and fit the NVLink domain, data "
            + "parallelism must divide the batch)"
        let batch = (space.globalBatchSize + devices - 1) / devices * devices
        var larger = space
        larger.globalBatchSize = batch
        if batch <= 10_000_000, let plan = firstPlan(larger, options) {
            message += "; --global-batch \(batch) has plans (\(shown(plan)))"
        } else {
            message += "; no multiple of \(devices) as global batch was found to help: plan a smaller slice"
        }
        return message
    }

    private static func unsolvedMessage(result: SearchResult, space: SearchSpace, options: SearchOptions) -> String {
        let unsolved = result.timedOut + result.solverFailures
        var message =
            "no plan found, but that does not mean nothing fits: the split MILPs of \(unsolved) of "
            + "\(result.candidates) configurations gave no answer; "
            + result.unsolvedReasons.joined(separator: "; ")
        let limit = SolverOptions().timeLimitSeconds
        if result.timedOut > 0 && options.solver.timeLimitSeconds < limit {
            var longer = options
            longer.solver.timeLimitSeconds = limit
            var quick = longer
            quick.top = 1
            // The full search: whether its MILPs finish with the longer limit is the question.
            if let plan = TrainingSearch.run(space: space, options: quick).plans.first {
                message += " (with --time-limit \(String(format: "%g", limit)) it finds \(shown(plan)))"
            }
        }
        return message
    }

    /// Nothing fits memory: the leanest configuration's memory (a split that exists: layers
    /// uniform, every layer recomputed where the configuration recomputes), then the fixes that
    /// were tried and worked.
    private static func noFit(result: SearchResult, space: SearchSpace, options: SearchOptions) -> String {
        let gib = 1_073_741_824.0
        // On a mixed cluster, the group with the most memory: no stage can hold more than it.
        let profile = space.cluster.groups.map(\.profile).max { $0.memoryGiB < $1.memoryGiB }!
        let usable = result.capacityBytes / gib
        let leanest = space.configurations().compactMap { config in
            try? TrainingSearch.evaluate(
                model: space.model, cluster: space.cluster, config: config, framework: space.framework,
                method: .uniform(recomputedPerStage: nil))
        }.min { $0.estimate.memory.totalBytes < $1.estimate.memory.totalBytes }
        var message =
            "no configuration fits: \(profile.name) has \(String(format: "%.1f", usable)) GiB usable "
            + "(\(String(format: "%.0f", profile.memoryGiB)) GiB less reserve)"
        if let leanest {
            let c = leanest.config
            message +=
                ", and the leanest of \(result.candidates) configurations (tp=\(c.tensor) pp=\(c.pipeline) "
                + "dp=\(c.data)\(c.context > 1 ? " cp=\(c.context)" : "") \(c.recompute.rawValue) recompute, "
                + "ZeRO \(c.zeroStage.rawValue), an even layer split) needs "
                + "\(String(format: "%.1f", leanest.estimate.memory.totalBytes / gib)) GiB per device"
        }
        let fixes = checkedFixes(space: space, options: options, leanest: leanest, capacityBytes: result.capacityBytes)
        message +=
            fixes.isEmpty
            ? "; no fix tried (more devices, fp8, a larger device) found a plan"
            : "; it fits \(fixes.joined(separator: "; or "))"
        return message
    }

    private static func checkedFixes(
        space: SearchSpace, options: SearchOptions, leanest: TrainingPlan?, capacityBytes: Double
    ) -> [String] {
        var fixes: [String] = []
        let cluster = space.cluster
        // More nodes of the same kind, starting from memory's ratio, doubling up to three times.
        if !cluster.isHeterogeneous {
            let ratio = (leanest?.estimate.memory.totalBytes ?? 2 * capacityBytes) / max(capacityBytes, 1)
            var nodes = max(Int((Double(cluster.groups[0].nodes) * ratio).rounded(.up)), cluster.groups[0].nodes + 1)
            for _ in 0..<3 where nodes * cluster.gpusPerNode <= 262_144 {
                var larger = space
                larger.cluster.groups[0].nodes = nodes
                if let plan = firstPlan(larger, options) {
                    fixes.append("on \(nodes * cluster.gpusPerNode) \(cluster.profile.name) (\(shown(plan)))")
                    break
                }
                nodes *= 2
            }
        }
        if !space.precisions.contains(.fp8) && cluster.profile.supports(.fp8) {
            var fp8 = space
            fp8.precisions = [.fp8]
            if let plan = firstPlan(fp8, options) { fixes.append("with --precision fp8 (\(shown(plan)))") }
        }
        // The same nodes with a larger device, the smallest larger one that works.
        if !cluster.isHeterogeneous {
            let larger = DataDirectory().bundledProfiles()
                .filter {
                    $0.memoryGiB > cluster.profile.memoryGiB
                        && $0.densePeakTFLOPS.keys.contains { space.precisions.contains($0) }
                }
                .sorted { ($0.memoryGiB, $0.name) < ($1.memoryGiB, $1.name) }
            // Only devices whose usable memory reaches the leanest need (weights do not shrink).
            let needGiB = (leanest?.estimate.memory.totalBytes ?? capacityBytes) / 1_073_741_824
            let roomy = larger.filter { ($0.memoryGiB - 2.5) * 0.95 >= needGiB * 0.9 }
            for profile in roomy.prefix(3) {
                var other = space
                other.cluster = ClusterDescription(
                    name: profile.name, profile: profile, nodes: cluster.groups[0].nodes,
                    gpusPerNode: min(cluster.gpusPerNode, profile.gpusPerNode))
                if let plan = firstPlan(other, options) {
                    fixes.append(
                        "on \(other.cluster.devices) \(profile.name) (\(String(format: "%g", profile.memoryGiB)) GiB; "
                            + "\(shown(plan)))")
                    break
                }
            }
        }
        return fixes
    }
}
