import CostModel
import Foundation
import Planner

/// The plan as JSON (DESIGN.md, "The plan", schemaVersion 1). Keys other programs rely on are
/// never renamed; fields are only added.
struct PlanDocument: Encodable {
    var schemaVersion = 1
    var model: ModelSection
    var cluster: ClusterSection
    var workload: Workload
    var parallelism: Parallelism
    var microbatch: Microbatch
    var precision: String
    var recompute: Recompute
    var stages: [Stage]
    var deviceMap: [Device]
    var prediction: Prediction
    var solver: Solver
    var whyNotOthers: [String]?
    var alternatives: [PlanDocument]?

    struct ModelSection: Encodable { var name: String; var parameters: Double; var activeParameters: Double; var layers: Int }
    struct ClusterSection: Encodable { var name: String; var devices: Int; var gpu: String; var gpusPerNode: Int; var nvlinkDomainGPUs: Int }
    struct Workload: Encodable { var mode = "training"; var globalBatchSize: Int; var sequenceLength: Int; var tokensPerStep: Int }
    struct Parallelism: Encodable {
        var data, tensor, pipeline, context, expert, virtualStages: Int
        var sequenceParallel: Bool
        var zeroStage: Int
    }
    struct Microbatch: Encodable { var size: Int; var count: Int }
    struct Recompute: Encodable { var granularity: String; var layersPerStage: [Int] }
    struct Stage: Encodable {
        var index, rank, firstLayer, layerCount, recomputedLayers: Int
        var memoryGiB: Double
        var timeSeconds: Double
    }
    struct Device: Encodable { var rank, node, localIndex, data, pipeline, tensor, context: Int }
    struct Prediction: Encodable {
        var stepTimeSeconds, tokensPerSecond, tokensPerSecondPerDevice, modelTflopsPerDevice, mfu: Double
        var memoryPerDeviceGiB: Memory
        var breakdownSeconds: Breakdown
    }
    struct Memory: Encodable { var weights, gradients, optimizer, activations, total, usable, capacity: Double }
    struct Breakdown: Encodable { var compute, tensorComm, pipelineComm, dataComm, optimizer, bubble: Double }
    struct Solver: Encodable {
        var name = "glpk"
        var status: String
        var candidates, milpsSolved, pruned: Int
        var wallSeconds: Double
    }

    init(plan: TrainingPlan, model: ModelDescription, cluster: ClusterDescription, solver: Solver,
         whyNotOthers: [String]? = nil, alternatives: [PlanDocument]? = nil) {
        let config = plan.config, estimate = plan.estimate, layout = estimate.layout
        self.model = .init(name: model.name, parameters: model.totalParameters, activeParameters: model.activeParameters, layers: model.layers)
        self.cluster = .init(name: cluster.name, devices: cluster.devices, gpu: cluster.profile.name,
                             gpusPerNode: cluster.gpusPerNode, nvlinkDomainGPUs: cluster.nvlinkDomainGPUs)
        workload = .init(globalBatchSize: config.globalBatchSize, sequenceLength: config.sequenceLength,
                         tokensPerStep: config.globalBatchSize * config.sequenceLength)
        parallelism = .init(data: config.data, tensor: config.tensor, pipeline: config.pipeline, context: config.context,
                            expert: config.expert, virtualStages: config.virtualStages,
                            sequenceParallel: config.sequenceParallel, zeroStage: config.zeroStage)
        microbatch = .init(size: config.microbatchSize, count: config.microbatchCount)
        precision = config.precision.rawValue
        recompute = .init(granularity: config.recompute.rawValue,
                          layersPerStage: (0..<layout.chunks).map { layout.recomputedCount(chunk: $0) })
        let firsts = layout.firstLayers
        stages = (0..<layout.chunks).map { c in
            Stage(index: c, rank: c % config.pipeline, firstLayer: firsts[c], layerCount: layout.layerCount(chunk: c),
                  recomputedLayers: layout.recomputedCount(chunk: c),
                  memoryGiB: Self.gib(estimate.schedule.rankBytes[c % config.pipeline]),
                  timeSeconds: Self.round(estimate.schedule.chunkSeconds[c]))
        }
        deviceMap = Self.deviceMap(config: config, cluster: cluster)
        let memory = estimate.memory, b = estimate.breakdown
        prediction = .init(
            stepTimeSeconds: Self.round(estimate.stepSeconds), tokensPerSecond: Self.round(estimate.tokensPerSecond),
            tokensPerSecondPerDevice: Self.round(estimate.tokensPerSecond / Double(config.devices)),
            modelTflopsPerDevice: Self.round(estimate.modelTFLOPSPerDevice), mfu: Self.round(estimate.mfu),
            memoryPerDeviceGiB: .init(weights: Self.gib(memory.weightsBytes), gradients: Self.gib(memory.gradientsBytes),
                                      optimizer: Self.gib(memory.optimizerBytes), activations: Self.gib(memory.activationsBytes),
                                      total: Self.gib(memory.totalBytes), usable: Self.gib(estimate.capacityBytes),
                                      capacity: Self.round(cluster.profile.memoryGiB)),
            breakdownSeconds: .init(compute: Self.round(b.computeSeconds), tensorComm: Self.round(b.tensorCommSeconds),
                                    pipelineComm: Self.round(b.pipelineCommSeconds), dataComm: Self.round(b.dataCommSeconds),
                                    optimizer: Self.round(b.optimizerSeconds), bubble: Self.round(b.bubbleSeconds)))
        self.solver = solver
        self.whyNotOthers = whyNotOthers
        self.alternatives = alternatives
    }

    /// Every rank with its coordinates: tensor fastest, then context, data, pipeline; nodes filled in order.
    static func deviceMap(config: ParallelConfiguration, cluster: ClusterDescription) -> [Device] {
        var nodeOf: [(node: Int, local: Int)] = []
        var node = 0
        for group in cluster.groups {
            for _ in 0..<group.nodes {
                for local in 0..<group.gpusPerNode { nodeOf.append((node, local)) }
                node += 1
            }
        }
        return (0..<config.devices).map { rank in
            let tensor = rank % config.tensor
            let context = (rank / config.tensor) % config.context
            let data = (rank / (config.tensor * config.context)) % config.data
            let pipeline = rank / (config.tensor * config.context * config.data)
            let place = rank < nodeOf.count ? nodeOf[rank] : (node: rank / cluster.gpusPerNode, local: rank % cluster.gpusPerNode)
            return Device(rank: rank, node: place.node, localIndex: place.local, data: data, pipeline: pipeline,
                          tensor: tensor, context: context)
        }
    }

    /// Six significant digits: stable, readable numbers.
    static func round(_ value: Double) -> Double {
        guard value.isFinite, value != 0 else { return value.isFinite ? 0 : 0 }
        return Double(String(format: "%.6g", value)) ?? value
    }

    static func gib(_ bytes: Double) -> Double { round(bytes / 1_073_741_824) }

    func json() throws -> Data { try prettyJSON() }
}
