import CostModel
import PlanFiles

/// What the vLLM export reads of an inference plan (`workload.mode` "inference", from `plan infer`),
/// taken from the typed plan (`InferencePlanDocument`): replicas, devices and the nodes they use.
package struct ServingLaunchPlan {
    /// One replica configuration of `serving.replicas[]`: `count` replicas of tensor × pipeline GPUs.
    struct Replica {
        var gpu: String
        var count: Int
        var tensor: Int
        var pipeline: Int
        var batchSize: Int
        var precision: Precision
        var ttftSeconds: Double?
        var tpotSeconds: Double?
        var outputTokensPerSecond: Double?

        var devicesPerReplica: Int { tensor * pipeline }
    }

    /// One row of `deviceMap[]`: `data` is the replica the GPU belongs to.
    struct Device {
        var rank: Int
        var node: Int
        var localIndex: Int
        var data: Int
    }

    /// Where the plan came from, for messages and the header: a path or "standard input".
    var origin: String
    var modelName: String
    var clusterName: String
    /// `cluster.gpu`: the first device group's GPU, whose replicas `deviceMap` lists first.
    var gpu: String?
    var devices: Int
    var promptTokens: Int
    var outputTokens: Int
    var kvCachePrecision: Precision
    var replicas: [Replica]
    var deviceMap: [Device]
    var outputTokensPerSecond: Double?
    /// `deviceMap[].node` numbers of the nodes that run replicas, ascending: NODE_RANK k is nodeNumbers[k].
    var nodeNumbers: [Int]
    /// GPUs in use on each of those nodes.
    var gpusOnNode: [Int]

    var replicaCount: Int { replicas.reduce(0) { $0 + $1.count } }

    init(_ plan: InferencePlanDocument, origin: String) {
        self.origin = origin
        modelName = plan.model.name
        clusterName = plan.cluster.name
        gpu = plan.cluster.gpu
        devices = plan.cluster.devices
        promptTokens = plan.workload.promptTokens
        outputTokens = plan.workload.outputTokens
        kvCachePrecision = plan.serving.kvCachePrecision
        replicas = plan.serving.replicas.map {
            Replica(
                gpu: $0.gpu, count: $0.count, tensor: $0.tensor, pipeline: $0.pipeline, batchSize: $0.batchSize,
                precision: $0.precision, ttftSeconds: $0.ttftSeconds, tpotSeconds: $0.tpotSeconds,
                outputTokensPerSecond: $0.outputTokensPerSecond)
        }
        deviceMap = plan.deviceMap.map {
            Device(rank: $0.rank, node: $0.node, localIndex: $0.localIndex, data: $0.data)
        }
        outputTokensPerSecond = plan.prediction.outputTokensPerSecond
        var perNode: [Int: Int] = [:]
        for device in deviceMap { perNode[device.node, default: 0] += 1 }
        nodeNumbers = perNode.keys.sorted()
        gpusOnNode = nodeNumbers.map { perNode[$0]! }
    }
}
