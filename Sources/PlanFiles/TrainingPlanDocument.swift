import CostModel
import Foundation
import Planner

/// A training plan as it is written and read (DESIGN.md, "The plan", schemaVersion 1): the same
/// `Codable` value writes the JSON and decodes it again for launchers, so there is one schema. Keys
/// other programs rely on are never renamed; fields are only added.
package struct TrainingPlanDocument: Codable, Sendable {
    package var schemaVersion = 1
    package var model: ModelSection
    package var cluster: ClusterSection
    package var workload: Workload
    package var parallelism: Parallelism
    package var microbatch: Microbatch
    package var precision: Precision
    /// The framework the plan is costed for and kept to (frameworks/NAME.yaml).
    package var framework: String
    /// The framework's choices its launch must repeat (absent in plans written before it existed).
    package var launch: LaunchChoices?
    package var recompute: Recompute
    package var stages: [Stage]
    package var deviceMap: [Device]
    package var prediction: Prediction
    package var solver: Solver
    package var whyNotOthers: [String]?
    /// On a cluster of several device groups: which group serves which stage, and what that gains.
    package var placement: Placement?
    package var alternatives: [TrainingPlanDocument]?

    /// `gpu` is the first device group's profile; `nvlinkDomainGPUs` the GPUs that share NVLink;
    /// `groups`, only for a cluster of several device types, each type's nodes (in file order).
    package struct ClusterSection: Codable, Sendable {
        package var name: String
        package var devices: Int
        package var gpu: String
        package var gpusPerNode: Int
        package var nvlinkDomainGPUs: Int
        package var groups: [Group]?

        package struct Group: Codable, Sendable {
            package var gpu: String
            package var nodes: Int
            package var gpusPerNode: Int
        }

        package init(_ cluster: ClusterDescription) {
            name = cluster.name
            devices = cluster.devices
            gpu = cluster.profile.name
            gpusPerNode = cluster.gpusPerNode
            nvlinkDomainGPUs = cluster.nvlinkDomainGPUs
            groups =
                cluster.isHeterogeneous
                ? cluster.groups.map { .init(gpu: $0.profile.name, nodes: $0.nodes, gpusPerNode: $0.gpusPerNode) } : nil
        }

        /// "64 × h100-sxm5-80gb", or "32 × h100-sxm5-80gb + 32 × a100-sxm4-80gb" for several types.
        package var devicesShown: String {
            (groups ?? [.init(gpu: gpu, nodes: 1, gpusPerNode: devices)])
                .map { "\($0.nodes * $0.gpusPerNode) × \(DisplayText.escaped($0.gpu))" }.joined(separator: " + ")
        }
    }

    package struct Workload: Codable, Sendable {
        package var mode = "training"
        package var globalBatchSize: Int
        package var sequenceLength: Int
        package var tokensPerStep: Int
    }

    package struct Parallelism: Codable, Sendable {
        package var data, tensor, pipeline, context, expert, virtualStages: Int
        package var sequenceParallel: Bool
        package var zeroStage: ZeROStage
    }

    package struct Microbatch: Codable, Sendable {
        package var size: Int
        package var count: Int
    }

    package struct Recompute: Codable, Sendable {
        package var granularity: RecomputeGranularity
        /// Recomputed layers of each chunk, in `stages[]` order.
        package var layersPerStage: [Int]
        /// Layers, from the first, whose activations wait in host memory (CPU activation offload);
        /// absent when none do.
        package var cpuOffloadLayers: Int?
    }

    /// One model chunk: a pipeline stage, or a virtual stage when interleaved (chunk c runs on rank c mod pp).
    package struct Stage: Codable, Sendable {
        package var index, rank, firstLayer, layerCount, recomputedLayers: Int
        package var memoryGiB: Double
        package var timeSeconds: Double
        /// On a cluster of several device groups, the group (index into `cluster.groups`) and GPU of
        /// the stage's rank.
        package var group: Int?
        package var gpu: String?
    }

    /// One GPU: its rank, where it sits, and its coordinate along each parallel dimension. `node`
    /// counts nodes in launch order (the node of rank 0 is 0); `group` (clusters of several device
    /// groups) is the group the node belongs to.
    package struct Device: Codable, Sendable {
        package var rank, node, localIndex, data, pipeline, tensor, context: Int
        package var group: Int?
    }

    package struct Prediction: Codable, Sendable {
        package var stepTimeSeconds, tokensPerSecond, tokensPerSecondPerDevice, modelTflopsPerDevice, mfu: Double
        package var memoryPerDeviceGiB: Memory
        package var breakdownSeconds: Breakdown
        package var uncertainty: Uncertainty?
    }

    package struct Memory: Codable, Sendable {
        package var weights, gradients, optimizer, activations, total, usable, capacity: Double
        /// What PyTorch's caching allocator will hold at the peak (`torch.cuda.max_memory_reserved()`):
        /// `total` plus the fragmentation of the activations. Absent in plans written before it.
        package var allocatorReserved: Double?
    }

    package struct Breakdown: Codable, Sendable {
        package var compute, tensorComm, pipelineComm, dataComm, optimizer, bubble: Double
        /// Exposed expert-parallel all-to-all (MoE plans with ep > 1; absent otherwise and in older plans).
        package var expertComm: Double?
    }

    /// How the plan was found: `status` is "optimal" when GLPK proved every reported split optimal.
    package struct Solver: Codable, Sendable {
        package var name = "glpk"
        package var status: String
        package var candidates, milpsSolved, pruned: Int
        package var wallSeconds: Double

        package init(status: String, candidates: Int, milpsSolved: Int, pruned: Int, wallSeconds: Double) {
            self.status = status
            self.candidates = candidates
            self.milpsSolved = milpsSolved
            self.pruned = pruned
            self.wallSeconds = wallSeconds
        }
    }

    package init(
        plan: TrainingPlan, model: ModelDescription, cluster: ClusterDescription, framework: Framework,
        solver: Solver,
        whyNotOthers: [String]? = nil, alternatives: [TrainingPlanDocument]? = nil
    ) {
        let config = plan.config, estimate = plan.estimate, layout = estimate.layout
        self.model = .init(model)
        self.cluster = .init(cluster)
        workload = .init(
            globalBatchSize: config.globalBatchSize, sequenceLength: config.sequenceLength,
            tokensPerStep: config.globalBatchSize * config.sequenceLength)
        parallelism = .init(
            data: config.data, tensor: config.tensor, pipeline: config.pipeline, context: config.context,
            expert: config.expert, virtualStages: config.virtualStages,
            sequenceParallel: config.sequenceParallel, zeroStage: config.zeroStage)
        microbatch = .init(size: config.microbatchSize, count: config.microbatchCount)
        precision = config.precision
        self.framework = framework.name
        launch = .init(framework)
        recompute = .init(
            granularity: config.recompute,
            layersPerStage: (0..<layout.chunks).map { layout.recomputedCount(chunk: $0) },
            cpuOffloadLayers: config.offloadedLayers > 0 ? config.offloadedLayers : nil)
        let firsts = layout.firstLayers
        let rankGroups = cluster.groups.count > 1 ? Self.rankGroups(config) : nil
        stages = (0..<layout.chunks).map { c in
            let group = rankGroups?[c % config.pipeline]
            return Stage(
                index: c, rank: c % config.pipeline, firstLayer: firsts[c], layerCount: layout.layerCount(chunk: c),
                recomputedLayers: layout.recomputedCount(chunk: c),
                memoryGiB: Rounded.gib(estimate.schedule.rankBytes[c % config.pipeline]),
                timeSeconds: Rounded.six(estimate.schedule.chunkSeconds[c]), group: group,
                gpu: group.map { cluster.groups[$0].profile.name })
        }
        deviceMap = Self.deviceMap(config: config, cluster: cluster)
        let memory = estimate.memory, b = estimate.breakdown
        prediction = .init(
            stepTimeSeconds: Rounded.six(estimate.stepSeconds), tokensPerSecond: Rounded.six(estimate.tokensPerSecond),
            tokensPerSecondPerDevice: Rounded.six(estimate.tokensPerSecond / Double(config.devices)),
            modelTflopsPerDevice: Rounded.six(estimate.modelTFLOPSPerDevice), mfu: Rounded.six(estimate.mfu),
            memoryPerDeviceGiB: .init(
                weights: Rounded.gib(memory.weightsBytes), gradients: Rounded.gib(memory.gradientsBytes),
                optimizer: Rounded.gib(memory.optimizerBytes), activations: Rounded.gib(memory.activationsBytes),
                total: Rounded.gib(memory.totalBytes), usable: Rounded.gib(estimate.capacityBytes),
                capacity: Rounded.six(
                    cluster.groups[rankGroups?[estimate.schedule.fullestRank] ?? 0].profile.memoryGiB),
                allocatorReserved: Rounded.gib(memory.allocatorReservedBytes)),
            breakdownSeconds: .init(
                compute: Rounded.six(b.computeSeconds), tensorComm: Rounded.six(b.tensorCommSeconds),
                pipelineComm: Rounded.six(b.pipelineCommSeconds), dataComm: Rounded.six(b.dataCommSeconds),
                optimizer: Rounded.six(b.optimizerSeconds), bubble: Rounded.six(b.bubbleSeconds),
                expertComm: config.expert > 1 || b.expertCommSeconds > 0 ? Rounded.six(b.expertCommSeconds) : nil))
        self.solver = solver
        self.whyNotOthers = whyNotOthers
        self.alternatives = alternatives
        if cluster.groups.count > 1 {
            placement = Placement(plan: plan, model: model, cluster: cluster, framework: framework)
        }
    }

    /// The group of each pipeline rank: the configuration's, or the first group's for every rank.
    package static func rankGroups(_ config: ParallelConfiguration) -> [Int] {
        config.stageGroups ?? Array(repeating: 0, count: config.pipeline)
    }

    /// Every rank with its coordinates: tensor fastest, then context, data, pipeline. Each stage
    /// takes the next free GPUs of its group (nodes in file order inside a group); nodes are numbered
    /// in the order ranks first reach them, which is the order a launcher lists them in.
    package static func deviceMap(config: ParallelConfiguration, cluster: ClusterDescription) -> [Device] {
        // Per group, its GPUs as (node in file order, local index).
        var slots: [[(node: Int, local: Int)]] = []
        var node = 0
        for group in cluster.groups {
            var own: [(node: Int, local: Int)] = []
            for _ in 0..<group.nodes {
                for local in 0..<group.gpusPerNode { own.append((node, local)) }
                node += 1
            }
            slots.append(own)
        }
        let groups = rankGroups(config)
        let mixed = cluster.groups.count > 1
        var used = Array(repeating: 0, count: cluster.groups.count)
        var launchNode: [Int: Int] = [:]
        return (0..<config.devices).map { rank in
            let tensor = rank % config.tensor
            let context = (rank / config.tensor) % config.context
            let data = (rank / (config.tensor * config.context)) % config.data
            let pipeline = rank / (config.tensor * config.context * config.data)
            let group = groups.indices.contains(pipeline) ? groups[pipeline] : 0
            // A plan larger than its cluster (a what-if) continues with nodes of the first group's shape.
            let place =
                used[group] < slots[group].count
                ? slots[group][used[group]] : (node: rank / cluster.gpusPerNode, local: rank % cluster.gpusPerNode)
            used[group] += 1
            let numbered = launchNode[place.node] ?? launchNode.count
            launchNode[place.node] = numbered
            return Device(
                rank: rank, node: numbered, localIndex: place.local, data: data, pipeline: pipeline,
                tensor: tensor, context: context, group: mixed ? group : nil)
        }
    }
}
