import CostModel
import Foundation
import PlanFiles

/// What the launcher exports read of a plan, taken from the typed plan (`PlanDocument`, never its JSON
/// text): the degrees, batch, layer split and node layout, with the derived values every launcher uses.
package struct LaunchPlan {
    /// One model chunk (a pipeline stage, or a virtual stage when interleaved), in `stages[]` order.
    struct Chunk {
        var index: Int
        var rank: Int
        var firstLayer: Int
        var layerCount: Int
        var recomputedLayers: Int
    }

    /// Where the plan came from, for messages and headers: a path, "standard input" or "plan train".
    var origin: String
    var modelName: String
    /// The full model description, when the plan carries it (plans from before `model.*` grew do not).
    var model: ModelDescription?
    var layers: Int
    var parameters: Double
    var activeParameters: Double
    var clusterName: String
    var gpu: String?
    var devices: Int
    var globalBatch: Int
    var sequenceLength: Int
    var data: Int
    var tensor: Int
    var pipeline: Int
    var context: Int
    var expert: Int
    var virtualStages: Int
    var sequenceParallel: Bool
    var zeroStage: ZeROStage
    var microbatchSize: Int
    var microbatchCount: Int
    var precision: Precision
    var recompute: RecomputeGranularity
    /// Layers whose activations wait in host memory (`recompute.cpuOffloadLayers`), 0 for none.
    var offloadedLayers: Int
    var chunks: [Chunk]
    /// GPUs per node, in node order, from `deviceMap[].node`.
    var gpusOnNode: [Int]
    /// On a cluster of several device groups, the GPU type of each node in node order (the launch
    /// must give each node the NODE_RANK of its type); nil on one group.
    var nodeGPUs: [String]?
    var stepTimeSeconds: Double?
    /// `launch.gradientReduceDtype` ("fp32", "bf16"), when the plan says.
    var gradientReduceDtype: String?

    var nodes: Int { gpusOnNode.count }
    /// GPUs per node (torchrun, deepspeed and horovod take one number; the plan's nodes are alike).
    var gpusPerNode: Int { gpusOnNode.max() ?? devices }
    var isMixtureOfExperts: Bool { activeParameters < parameters * 0.999 }

    /// Layer counts of the chunks, in `stages[]` order (chunk c runs on pipeline rank c mod pp).
    var layerCounts: [Int] { chunks.map(\.layerCount) }

    /// One line for script headers: the degrees, batch and memory choices of the plan.
    var summary: String {
        let degrees = ParallelConfiguration.label(
            tensor: tensor, pipeline: pipeline, data: data, context: context,
            expert: expert, virtualStages: virtualStages)
        var text =
            "\(degrees), microbatch \(microbatchSize) × \(microbatchCount), recompute \(recompute.rawValue), ZeRO "
            + "\(zeroStage), \(precision.rawValue)"
        if let stepTimeSeconds { text += "; predicted step \(stepTimeSeconds) s" }
        return text
    }
}

extension LaunchPlan {
    /// The launch view of a training plan; `origin` names where it came from in headers and messages.
    init(training plan: TrainingPlanDocument, origin: String) {
        self.origin = origin
        modelName = plan.model.name
        model = plan.model.description
        parameters = plan.model.parameters
        activeParameters = plan.model.activeParameters
        layers = plan.model.layers
        clusterName = plan.cluster.name
        gpu = plan.cluster.gpu
        devices = plan.cluster.devices
        globalBatch = plan.workload.globalBatchSize
        sequenceLength = plan.workload.sequenceLength
        data = plan.parallelism.data
        tensor = plan.parallelism.tensor
        pipeline = plan.parallelism.pipeline
        context = plan.parallelism.context
        expert = plan.parallelism.expert
        virtualStages = plan.parallelism.virtualStages
        sequenceParallel = plan.parallelism.sequenceParallel
        zeroStage = plan.parallelism.zeroStage
        microbatchSize = plan.microbatch.size
        microbatchCount = plan.microbatch.count
        precision = plan.precision
        recompute = plan.recompute.granularity
        offloadedLayers = plan.recompute.cpuOffloadLayers ?? 0
        chunks = plan.stages.map {
            Chunk(
                index: $0.index, rank: $0.rank, firstLayer: $0.firstLayer, layerCount: $0.layerCount,
                recomputedLayers: $0.recomputedLayers)
        }
        var perNode: [Int: Int] = [:]
        for device in plan.deviceMap { perNode[device.node, default: 0] += 1 }
        gpusOnNode = perNode.keys.sorted().map { perNode[$0]! }
        if let groups = plan.cluster.groups {
            var gpuOfNode: [Int: String] = [:]
            for device in plan.deviceMap {
                if let g = device.group, groups.indices.contains(g) { gpuOfNode[device.node] = groups[g].gpu }
            }
            let named = perNode.keys.sorted().compactMap { gpuOfNode[$0] }
            nodeGPUs = named.count == perNode.count ? named : nil
        }
        stepTimeSeconds = plan.prediction.stepTimeSeconds
        gradientReduceDtype = plan.launch?.gradientReduceDtype
    }
}
