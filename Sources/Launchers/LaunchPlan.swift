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
    var chunks: [Chunk]
    /// GPUs per node, in node order, from `deviceMap[].node`.
    var gpusOnNode: [Int]
    var stepTimeSeconds: Double?
    /// The plan itself when it is an inference plan (`workload.mode` "inference", from `plan infer`),
    /// which only `--to vllm` reads; nil for training plans. An inference plan's training fields hold
    /// no plan: `LauncherExport.render` refuses it for every training launcher before they are read.
    var inference: ServingLaunchPlan?

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
    /// The launch view of a plan; `origin` names where it came from in headers and messages.
    package init(_ document: PlanDocument, origin: String) {
        switch document {
        case .training(let plan): self.init(training: plan, origin: origin)
        case .inference(let plan): self.init(inference: ServingLaunchPlan(plan, origin: origin))
        }
    }

    init(training plan: TrainingPlanDocument, origin: String) {
        self.origin = origin
        modelName = plan.model.name
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
        chunks = plan.stages.map {
            Chunk(
                index: $0.index, rank: $0.rank, firstLayer: $0.firstLayer, layerCount: $0.layerCount,
                recomputedLayers: $0.recomputedLayers)
        }
        var perNode: [Int: Int] = [:]
        for device in plan.deviceMap { perNode[device.node, default: 0] += 1 }
        gpusOnNode = perNode.keys.sorted().map { perNode[$0]! }
        stepTimeSeconds = plan.prediction.stepTimeSeconds
    }

    /// An inference plan wrapped for `LauncherExport.render`: its name, cluster and nodes (for --hosts);
    /// the training fields are neutral placeholders that no exporter reads.
    private init(inference: ServingLaunchPlan) {
        self.inference = inference
        origin = inference.origin
        modelName = inference.modelName
        layers = 0
        parameters = 0
        activeParameters = 0
        clusterName = inference.clusterName
        gpu = inference.gpu
        devices = inference.devices
        globalBatch = 0
        sequenceLength = inference.promptTokens + inference.outputTokens
        data = 1
        tensor = 1
        pipeline = 1
        context = 1
        expert = 1
        virtualStages = 1
        sequenceParallel = false
        zeroStage = 0
        microbatchSize = 0
        microbatchCount = 0
        precision = .bf16
        recompute = .none
        chunks = []
        gpusOnNode = inference.gpusOnNode
        stepTimeSeconds = nil
    }
}
