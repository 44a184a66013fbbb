import CostModel
import Foundation
import Planner

/// An inference plan as JSON (DESIGN.md: `workload.mode` "inference").
struct InferenceDocument: Encodable {
    var schemaVersion = 1
    var model: PlanDocument.ModelSection
    var cluster: PlanDocument.ClusterSection
    var workload: Workload
    var parallelism: Parallelism
    var precision: String
    var serving: Serving
    var prediction: Prediction
    var deviceMap: [PlanDocument.Device]
    var solver: PlanDocument.Solver
    var alternatives: [InferenceDocument]?

    struct Workload: Encodable { var mode = "inference"; var promptTokens: Int; var outputTokens: Int }
    struct Parallelism: Encodable { var data, tensor, pipeline: Int; var context = 1; var expert = 1 }
    struct Serving: Encodable {
        var batchSize: Int
        var kvCachePrecision: String
        /// Every replica configuration in use (several when the integer program mixes them).
        var replicas: [Replica]
    }
    struct Replica: Encodable {
        var gpu: String
        var count, tensor, pipeline, batchSize: Int
        var precision: String
        var ttftSeconds, tpotSeconds, outputTokensPerSecond, kvCacheTokens: Double
    }
    struct Prediction: Encodable {
        var ttftSeconds, tpotSeconds, outputTokensPerSecond, outputTokensPerSecondPerDevice, kvCacheTokens: Double
        var memoryPerDeviceGiB: Memory
    }
    struct Memory: Encodable { var weights, kvCache, activations, total, capacity: Double }

    init(plan: InferencePlan, model: ModelDescription, cluster: ClusterDescription, solver: PlanDocument.Solver,
         alternatives: [InferenceDocument]? = nil) {
        let primary = plan.primary, config = primary.config
        let profile = cluster.groups[primary.group].profile
        let round = PlanDocument.round, gib = PlanDocument.gib
        self.model = .init(name: model.name, parameters: model.totalParameters, activeParameters: model.activeParameters, layers: model.layers)
        self.cluster = .init(name: cluster.name, devices: cluster.devices, gpu: cluster.profile.name,
                             gpusPerNode: cluster.gpusPerNode, nvlinkDomainGPUs: cluster.nvlinkDomainGPUs)
        workload = .init(promptTokens: config.promptTokens, outputTokens: config.outputTokens)
        parallelism = .init(data: plan.replicaCount, tensor: config.tensor, pipeline: config.pipeline)
        precision = config.precision.rawValue
        serving = .init(batchSize: config.batchSize, kvCachePrecision: config.kvCachePrecision.rawValue,
                        replicas: plan.replicas.map { entry in
                            Replica(gpu: cluster.groups[entry.option.group].profile.name, count: entry.count,
                                    tensor: entry.option.config.tensor, pipeline: entry.option.config.pipeline,
                                    batchSize: entry.option.config.batchSize, precision: entry.option.config.precision.rawValue,
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
            memoryPerDeviceGiB: .init(weights: gib(primary.weightBytes), kvCache: gib(primary.kvCacheBytes),
                                      activations: gib(primary.activationBytes),
                                      total: gib(primary.weightBytes + primary.kvCacheBytes + primary.activationBytes),
                                      capacity: round(profile.memoryGiB)))
        deviceMap = Self.deviceMap(plan: plan, cluster: cluster)
        self.solver = solver
        self.alternatives = alternatives
    }

    /// Replicas laid out group by group, tensor ranks fastest inside a replica, then pipeline.
    static func deviceMap(plan: InferencePlan, cluster: ClusterDescription) -> [PlanDocument.Device] {
        var rows: [PlanDocument.Device] = []
        var firstRankOfGroup = 0, firstNodeOfGroup = 0
        var replica = 0
        for (g, group) in cluster.groups.enumerated() {
            var next = 0
            for entry in plan.replicas where entry.option.group == g {
                for _ in 0..<entry.count {
                    for local in 0..<entry.option.config.devicesPerReplica {
                        let index = next + local
                        rows.append(.init(rank: firstRankOfGroup + index, node: firstNodeOfGroup + index / group.gpusPerNode,
                                          localIndex: index % group.gpusPerNode, data: replica,
                                          pipeline: local / entry.option.config.tensor, tensor: local % entry.option.config.tensor,
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

    func json() throws -> Data { try prettyJSON() }

    /// The plan at a glance.
    func table() -> String {
        var lines: [String] = []
        let p = prediction
        lines.append("\(model.name) on \(cluster.name): \(cluster.devices) × \(cluster.gpu), serving \(workload.promptTokens) prompt + \(workload.outputTokens) output tokens")
        lines.append("")
        for replica in serving.replicas {
            lines.append("replicas  \(replica.count) × (tp=\(replica.tensor) pp=\(replica.pipeline)) on \(replica.gpu), batch \(replica.batchSize), \(replica.precision) weights, \(serving.kvCachePrecision) KV cache")
            lines.append("          TTFT \(PlanTable.fmt(replica.ttftSeconds * 1000)) ms   TPOT \(PlanTable.fmt(replica.tpotSeconds * 1000)) ms   \(PlanTable.fmt(replica.outputTokensPerSecond)) tokens/s per replica   KV cache \(PlanTable.fmt(replica.kvCacheTokens)) tokens")
        }
        lines.append("cluster   \(PlanTable.fmt(p.outputTokensPerSecond)) output tokens/s (\(PlanTable.fmt(p.outputTokensPerSecondPerDevice)) per GPU)")
        let m = p.memoryPerDeviceGiB
        lines.append("memory    weights \(PlanTable.fmt(m.weights)) + KV cache \(PlanTable.fmt(m.kvCache)) + activations \(PlanTable.fmt(m.activations)) = \(PlanTable.fmt(m.total)) GiB of \(PlanTable.fmt(m.capacity)) \(PlanTable.bar(m.total / max(m.capacity, 1e-9), width: 30))")
        if let alternatives, !alternatives.isEmpty {
            lines.append("")
            lines.append("runner-ups")
            for alt in alternatives {
                let r = alt.serving.replicas[0]
                let share = (alt.prediction.outputTokensPerSecond / max(p.outputTokensPerSecond, 1e-9) - 1) * 100
                lines.append("  \(r.count) × (tp=\(r.tensor) pp=\(r.pipeline)) batch \(r.batchSize) \(r.precision): \(PlanTable.fmt(alt.prediction.outputTokensPerSecond)) tokens/s (\(String(format: "%+.1f", share))%), TTFT \(PlanTable.fmt(r.ttftSeconds * 1000)) ms, TPOT \(PlanTable.fmt(r.tpotSeconds * 1000)) ms")
            }
        }
        lines.append("")
        lines.append("solver    \(solver.name) \(solver.status): \(solver.candidates) replica options, \(solver.milpsSolved) integer programs, \(PlanTable.fmt(solver.wallSeconds)) s")
        return lines.joined(separator: "\n") + "\n"
    }
}
