import CostModel
import PlanFiles

/// What the vLLM export reads of an inference plan (`workload.mode` "inference", from `plan infer`),
/// taken from the typed plan (`InferencePlanDocument`): replicas, devices and the nodes they use.
package struct ServingLaunchPlan {
    /// One replica configuration of `serving.replicas[]`: `count` replicas of tensor × pipeline GPUs.
    typealias Replica = InferencePlanDocument.Replica
    /// One row of `deviceMap[]`: `data` is the replica the GPU belongs to.
    typealias Device = TrainingPlanDocument.Device

    /// Where the plan came from, for messages and the header: a path or "standard input".
    var origin: String
    var modelName: String
    /// `model.sourceId`: the Hugging Face id the model file names (`_name_or_path`), when it has one.
    var sourceId: String?
    var clusterName: String
    /// `cluster.gpu`: the first device group's GPU, whose replicas `deviceMap` lists first.
    var gpu: String?
    var devices: Int
    var promptTokens: Int
    var outputTokens: Int
    var kvCachePrecision: Precision
    var replicas: [Replica]
    var deviceMap: [Device]
    var outputTokensPerSecond: Double
    /// `deviceMap[].node` numbers of the nodes that run replicas, ascending: NODE_RANK k is nodeNumbers[k].
    var nodeNumbers: [Int]
    /// GPUs in use on each of those nodes.
    var gpusOnNode: [Int]

    var replicaCount: Int { replicas.reduce(0) { $0 + $1.count } }

    init(_ plan: InferencePlanDocument, origin: String) {
        self.origin = origin
        modelName = plan.model.name
        sourceId = plan.model.sourceId
        clusterName = plan.cluster.name
        gpu = plan.cluster.gpu
        devices = plan.cluster.devices
        promptTokens = plan.workload.promptTokens
        outputTokens = plan.workload.outputTokens
        kvCachePrecision = plan.serving.kvCachePrecision
        replicas = plan.serving.replicas
        deviceMap = plan.deviceMap
        outputTokensPerSecond = plan.prediction.outputTokensPerSecond
        var perNode: [Int: Int] = [:]
        for device in deviceMap { perNode[device.node, default: 0] += 1 }
        nodeNumbers = perNode.keys.sorted()
        gpusOnNode = nodeNumbers.map { perNode[$0]! }
    }
}
