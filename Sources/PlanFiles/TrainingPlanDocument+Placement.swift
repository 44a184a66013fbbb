import CostModel
import Planner

extension TrainingPlanDocument {
    /// Where the stages of a plan sit on a cluster of several device groups, what each group holds,
    /// and what the plan gains over the best plan on one group alone.
    package struct Placement: Codable, Sendable {
        /// The group (index into `cluster.groups`) of each pipeline rank, rank 0 first.
        package var stageGroups: [Int]
        package var groups: [GroupUse]
        /// The best plan of each group alone (the others idle), when the search computed them.
        package var singleGroupPlans: [SingleGroupPlan]?
        /// Step time of the best single-group plan over this plan's, minus 1 (0.25: 25% more
        /// throughput); negative when one group alone is faster, which the search then reports first.
        package var gainOverBestSingleGroup: Double?
        /// What a launcher must keep to run it.
        package var launch: String
        /// Why each group holds what it holds.
        package var why: [String]

        /// One device group's share of the plan.
        package struct GroupUse: Codable, Sendable {
            package var group: Int
            package var gpu: String
            package var devices: Int
            package var devicesUsed: Int
            /// Pipeline ranks on this group.
            package var pipelineRanks: [Int]
            package var layers: Int
            package var recomputedLayers: Int
            /// One layer's forward and backward for one microbatch on this device (the first layer kind).
            package var layerSecondsPerMicrobatch: Double
            /// The busiest of this group's ranks, one microbatch through all its chunks.
            package var rankSecondsPerMicrobatch: Double
            package var fullestMemoryGiB: Double
            package var usableGiB: Double
        }

        /// The best plan found on one group alone.
        package struct SingleGroupPlan: Codable, Sendable {
            package var group: Int
            package var gpu: String
            package var devices: Int
            package var parallelism: String
            package var stepTimeSeconds: Double
            package var tokensPerSecond: Double
        }

        init(plan: TrainingPlan, model: ModelDescription, cluster: ClusterDescription, framework: Framework) {
            let config = plan.config, schedule = plan.estimate.schedule, layout = plan.estimate.layout
            let rankGroups = TrainingPlanDocument.rankGroups(config)
            stageGroups = rankGroups
            let cost = TrainingCost(model: model, cluster: cluster, config: config, framework: framework)
            let stageDevices = config.pipelineStride
            var uses: [GroupUse] = []
            for (g, group) in cluster.groups.enumerated() {
                let ranks = rankGroups.indices.filter { rankGroups[$0] == g }
                let chunks = (0..<layout.chunks).filter { ranks.contains($0 % config.pipeline) }
                let layer = cost.onGroup(g).pipelineTable.groups.first?.microbatchSeconds ?? 0
                uses.append(
                    GroupUse(
                        group: g, gpu: group.profile.name, devices: group.devices,
                        devicesUsed: ranks.count * stageDevices, pipelineRanks: ranks,
                        layers: chunks.reduce(0) { $0 + layout.layerCount(chunk: $1) },
                        recomputedLayers: chunks.reduce(0) { $0 + layout.recomputedCount(chunk: $1) },
                        layerSecondsPerMicrobatch: Rounded.six(layer),
                        rankSecondsPerMicrobatch: Rounded.six(ranks.map { schedule.rankSeconds[$0] }.max() ?? 0),
                        fullestMemoryGiB: Rounded.gib(ranks.map { schedule.rankBytes[$0] }.max() ?? 0),
                        usableGiB: Rounded.gib(ranks.map { schedule.rankCapacityBytes[$0] }.min() ?? 0)))
            }
            groups = uses
            launch =
                "one tensor-, context- and data-parallel degree for every stage; each stage's "
                + "\(stageDevices) GPUs on one group, the nodes listed in deviceMap[].node order (group by group, "
                + "in stage order); uneven layers per stage (Megatron --pipeline-model-parallel-layout)"
            why = Self.reasons(uses: uses, total: layout.layers.reduce(0) { $0 + $1.reduce(0, +) })
        }

        /// One line per group that serves: its speed per layer against the fastest used group's, the
        /// layers that buys it, how balanced its ranks are, and its memory; one per idle group.
        static func reasons(uses: [GroupUse], total: Int) -> [String] {
            let used = uses.filter { !$0.pipelineRanks.isEmpty }
            let fastest = used.map(\.layerSecondsPerMicrobatch).min() ?? 0
            let slowestRank = used.map(\.rankSecondsPerMicrobatch).max() ?? 0
            var lines: [String] = []
            for use in uses {
                let name = DisplayText.escaped(use.gpu)
                guard !use.pipelineRanks.isEmpty else {
                    lines.append(
                        "\(name) (group \(use.group)): left idle; a pipeline that also runs on its \(use.devices) "
                            + "GPUs is slower or does not fit")
                    continue
                }
                let ratio = fastest > 0 ? use.layerSecondsPerMicrobatch / fastest : 1
                let stages = use.pipelineRanks.count
                lines.append(
                    "\(name) (group \(use.group)): a layer takes "
                        + "\(String(format: "%.3g", use.layerSecondsPerMicrobatch * 1000)) ms "
                        + "per microbatch (\(String(format: "%.2f", ratio))× the fastest group's), so its \(stages) "
                        + (stages == 1 ? "stage holds" : "stages hold")
                        + " \(use.layers) of \(total) layers; its busiest rank "
                        + "is \(String(format: "%.1f", 100 * use.rankSecondsPerMicrobatch / max(slowestRank, 1e-12)))% "
                        + "of the slowest; memory \(String(format: "%.1f", use.fullestMemoryGiB)) of "
                        + "\(String(format: "%.1f", use.usableGiB)) GiB")
            }
            return lines
        }
    }

    /// Records the best plan of each group alone and the gain of this plan over the best of them.
    package mutating func attachSingleGroupPlans(
        _ plans: [(group: Int, plan: TrainingPlan)], cluster: ClusterDescription
    ) {
        guard placement != nil else { return }
        let entries = plans.map { entry in
            Placement.SingleGroupPlan(
                group: entry.group, gpu: cluster.groups[entry.group].profile.name,
                devices: cluster.groups[entry.group].devices,
                parallelism: entry.plan.config.degreeLabel(),
                stepTimeSeconds: Rounded.six(entry.plan.estimate.stepSeconds),
                tokensPerSecond: Rounded.six(entry.plan.estimate.tokensPerSecond))
        }
        placement?.singleGroupPlans = entries
        if let best = plans.map(\.plan.estimate.stepSeconds).min() {
            placement?.gainOverBestSingleGroup = Rounded.six(best / prediction.stepTimeSeconds - 1)
        }
    }
}
