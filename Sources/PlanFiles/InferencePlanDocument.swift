import CostModel
import Foundation
import Planner

/// An inference plan as it is written and read (DESIGN.md: `workload.mode` "inference"), by the same
/// `Codable` value, sharing the model, cluster, device and solver sections of the training plan.
package struct InferencePlanDocument: Codable, Sendable {
    package var schemaVersion = 1
    package var model: TrainingPlanDocument.ModelSection
    package var cluster: TrainingPlanDocument.ClusterSection
    package var workload: Workload
    package var parallelism: Parallelism
    package var precision: Precision
    package var serving: Serving
    package var prediction: Prediction
    package var deviceMap: [TrainingPlanDocument.Device]
    package var solver: TrainingPlanDocument.Solver
    package var alternatives: [InferencePlanDocument]?

    package struct Workload: Codable, Sendable {
        package var mode = "inference"
        package var promptTokens: Int
        package var outputTokens: Int
    }

    /// `data` is the number of replicas.
    package struct Parallelism: Codable, Sendable {
        package var data, tensor, pipeline: Int
        package var context = 1
        package var expert = 1
    }

    package struct Serving: Codable, Sendable {
        package var batchSize: Int
        package var kvCachePrecision: Precision
        /// Every replica configuration in use (several when the integer program mixes them).
        package var replicas: [Replica]
    }

    /// `count` replicas of tensor × pipeline GPUs of one group, with their predictions.
    package struct Replica: Codable, Sendable {
        package var gpu: String
        package var count, tensor, pipeline, batchSize: Int
        package var precision: Precision
        package var ttftSeconds, tpotSeconds, outputTokensPerSecond, kvCacheTokens: Double

        package var devicesPerReplica: Int { tensor * pipeline }
    }

    package struct Prediction: Codable, Sendable {
        package var ttftSeconds, tpotSeconds, outputTokensPerSecond, outputTokensPerSecondPerDevice,
            kvCacheTokens: Double
        package var memoryPerDeviceGiB: Memory
        /// The plan under the load given (`--request-rate`, `--concurrency`), simulated.
        package var load: Load?
        /// The highest request rate within the p99 targets (`--find-max-rate`).
        package var maxRequestRate: Capacity?
    }

    package struct Memory: Codable, Sendable {
        package var weights, kvCache, activations, total, capacity: Double
    }

    package init(
        plan: InferencePlan, model: ModelDescription, cluster: ClusterDescription, solver: TrainingPlanDocument.Solver,
        alternatives: [InferencePlanDocument]? = nil
    ) {
        let primary = plan.primary, config = primary.config
        let profile = cluster.groups[primary.group].profile
        let round = Rounded.six, gib = Rounded.gib
        self.model = .init(model)
        self.cluster = .init(cluster)
        workload = .init(promptTokens: config.promptTokens, outputTokens: config.outputTokens)
        parallelism = .init(data: plan.replicaCount, tensor: config.tensor, pipeline: config.pipeline)
        precision = config.precision
        serving = .init(
            batchSize: config.batchSize, kvCachePrecision: config.kvCachePrecision,
            replicas: plan.replicas.map { entry in
                Replica(
                    gpu: cluster.groups[entry.option.group].profile.name, count: entry.count,
                    tensor: entry.option.config.tensor, pipeline: entry.option.config.pipeline,
                    batchSize: entry.option.config.batchSize, precision: entry.option.config.precision,
                    ttftSeconds: round(entry.option.ttftSeconds), tpotSeconds: round(entry.option.tpotSeconds),
                    outputTokensPerSecond: round(entry.option.outputTokensPerSecond),
                    kvCacheTokens: round(entry.option.kvCacheTokens.rounded(.down)))
            })
        let devices = plan.replicas.reduce(0) { $0 + $1.count * $1.option.config.devicesPerReplica }
        prediction = .init(
            ttftSeconds: round(primary.ttftSeconds), tpotSeconds: round(primary.tpotSeconds),
            outputTokensPerSecond: round(plan.outputTokensPerSecond),
            outputTokensPerSecondPerDevice: round(plan.outputTokensPerSecond / Double(max(devices, 1))),
            kvCacheTokens: round(primary.kvCacheTokens.rounded(.down)),
            memoryPerDeviceGiB: .init(
                weights: gib(primary.weightBytes), kvCache: gib(primary.kvCacheBytes),
                activations: gib(primary.activationBytes),
                total: gib(primary.weightBytes + primary.kvCacheBytes + primary.activationBytes),
                capacity: round(profile.memoryGiB)))
        deviceMap = Self.deviceMap(plan: plan, cluster: cluster)
        self.solver = solver
        self.alternatives = alternatives
    }

    /// Replicas laid out group by group, tensor ranks fastest inside a replica, then pipeline.
    package static func deviceMap(plan: InferencePlan, cluster: ClusterDescription) -> [TrainingPlanDocument.Device] {
        var rows: [TrainingPlanDocument.Device] = []
        var firstRankOfGroup = 0, firstNodeOfGroup = 0
        var replica = 0
        for (g, group) in cluster.groups.enumerated() {
            var next = 0
            for entry in plan.replicas where entry.option.group == g {
                for _ in 0..<entry.count {
                    for local in 0..<entry.option.config.devicesPerReplica {
                        let index = next + local
                        rows.append(
                            .init(
                                rank: firstRankOfGroup + index, node: firstNodeOfGroup + index / group.gpusPerNode,
                                localIndex: index % group.gpusPerNode, data: replica,
                                pipeline: local / entry.option.config.tensor,
                                tensor: local % entry.option.config.tensor,
                                context: 0))
                    }
                    next += entry.option.config.devicesPerReplica
                    replica += 1
                }
            }
            firstRankOfGroup += group.devices
            firstNodeOfGroup += group.nodes
        }
        return rows
    }
}
