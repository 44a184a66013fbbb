import CostModel
import Foundation

/// A training plan read back from its JSON (DESIGN.md, "The plan", schemaVersion 1): only the keys the
/// launcher exports need, each checked, so a missing or garbled plan is an `InputError` naming the file
/// and the key path.
struct PlanFile {
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
    var zeroStage: Int
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
    var inference: InferencePlanFile?

    var nodes: Int { gpusOnNode.count }
    /// GPUs per node (torchrun, deepspeed and horovod take one number; the plan's nodes are alike).
    var gpusPerNode: Int { gpusOnNode.max() ?? devices }
    var isMixtureOfExperts: Bool { activeParameters < parameters * 0.999 }

    /// Layer counts of the chunks, in `stages[]` order (chunk c runs on pipeline rank c mod pp).
    var layerCounts: [Int] { chunks.map(\.layerCount) }

    /// One line for script headers: the degrees, batch and memory choices of the plan.
    var summary: String {
        var degrees = "tp=\(tensor) pp=\(pipeline) dp=\(data)"
        if context > 1 { degrees += " cp=\(context)" }
        if expert > 1 { degrees += " ep=\(expert)" }
        if virtualStages > 1 { degrees += " vpp=\(virtualStages)" }
        var text = "\(degrees), microbatch \(microbatchSize) × \(microbatchCount), recompute \(recompute.rawValue), ZeRO \(zeroStage), \(precision.rawValue)"
        if let stepTimeSeconds { text += "; predicted step \(stepTimeSeconds) s" }
        return text
    }
}

extension PlanFile {
    /// Reads a plan file (`-` is standard input).
    static func load(path: String) throws -> PlanFile {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard FileManager.default.fileExists(atPath: path) else {
                throw InputError(file: path, "no such file; write a plan with `plan train --out \(path)` (or `plan evaluate ... --out \(path)`)")
            }
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw InputError(file: path, "cannot be read (\(error.localizedDescription)); check its permissions")
            }
        }
        return try PlanFile(json: data, origin: path == "-" ? "standard input" : path)
    }

    init(json: Data, origin: String) throws {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: json)
        } catch {
            throw InputError(file: origin, "is not JSON; give the plan `plan train` writes with --format json (the default), not the table")
        }
        guard let root = object as? [String: Any] else {
            throw InputError(file: origin, "is not a plan: expected a JSON object with schemaVersion, parallelism, microbatch and stages")
        }
        let plan = JSONFields(root: root, origin: origin)
        let version = try plan.int("schemaVersion")
        guard version == 1 else {
            throw InputError(file: origin, key: "schemaVersion", "is \(version); this plan reads schemaVersion 1, so re-run `plan train` with this version")
        }
        let mode = try plan.string("workload.mode")
        if mode == "inference" {
            self = PlanFile(inference: try InferencePlanFile(root: root, origin: origin))
            return
        }
        guard mode == "training" else {
            throw InputError(file: origin, key: "workload.mode", "is '\(mode)'; launcher exports need a training plan from `plan train` or `plan evaluate`")
        }
        self.origin = origin
        modelName = try plan.string("model.name")
        parameters = try plan.double("model.parameters")
        activeParameters = try plan.optionalDouble("model.activeParameters") ?? parameters
        clusterName = try plan.string("cluster.name")
        gpu = try plan.optionalString("cluster.gpu")
        devices = try plan.positive("cluster.devices")
        globalBatch = try plan.positive("workload.globalBatchSize")
        sequenceLength = try plan.positive("workload.sequenceLength")
        data = try plan.positive("parallelism.data")
        tensor = try plan.positive("parallelism.tensor")
        let pipelineDegree = try plan.positive("parallelism.pipeline")
        pipeline = pipelineDegree
        context = try plan.positive("parallelism.context")
        expert = try plan.positive("parallelism.expert")
        virtualStages = try plan.positive("parallelism.virtualStages")
        sequenceParallel = try plan.bool("parallelism.sequenceParallel")
        zeroStage = try plan.int("parallelism.zeroStage")
        microbatchSize = try plan.positive("microbatch.size")
        microbatchCount = try plan.positive("microbatch.count")
        let precisionName = try plan.string("precision")
        guard let precision = Precision(rawValue: precisionName), precision.isTrainingPrecision else {
            throw InputError(file: origin, key: "precision", "is '\(precisionName)'; expected bf16, fp16, fp8 or fp32")
        }
        self.precision = precision
        let granularity = try plan.string("recompute.granularity")
        guard let recompute = RecomputeGranularity(rawValue: granularity) else {
            throw InputError(file: origin, key: "recompute.granularity", "is '\(granularity)'; expected none, selective or full")
        }
        self.recompute = recompute
        chunks = try plan.objects("stages").enumerated().map { position, stage in
            let row = JSONFields(root: stage, origin: origin, prefix: "stages[\(position)].")
            let count = try row.int("layerCount")
            return Chunk(index: try row.int("index"), rank: try row.optionalInt("rank") ?? position % pipelineDegree,
                         firstLayer: try row.int("firstLayer"), layerCount: count,
                         recomputedLayers: try row.optionalInt("recomputedLayers") ?? (recompute == .full ? count : 0))
        }
        layers = try plan.optionalInt("model.layers") ?? chunks.reduce(0) { $0 + $1.layerCount }
        var perNode: [Int: Int] = [:]
        for (position, device) in try plan.objects("deviceMap").enumerated() {
            let node = try JSONFields(root: device, origin: origin, prefix: "deviceMap[\(position)].").int("node")
            perNode[node, default: 0] += 1
        }
        gpusOnNode = perNode.keys.sorted().map { perNode[$0]! }
        stepTimeSeconds = try plan.optionalDouble("prediction.stepTimeSeconds")
        try checkConsistency()
    }

    /// An inference plan wrapped for `LauncherExport.render`: its name, cluster and nodes (for --hosts);
    /// the training fields are neutral placeholders that no exporter reads.
    private init(inference: InferencePlanFile) {
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

    /// The identities every launcher relies on; a plan edited by hand that breaks one is refused here
    /// rather than turned into a launcher that fails on the cluster.
    private func checkConsistency() throws {
        let product = data * tensor * pipeline * context
        guard product == devices else {
            throw InputError(file: origin, key: "parallelism", "data × tensor × pipeline × context = \(product), but cluster.devices is \(devices); re-run `plan train`")
        }
        guard microbatchSize * microbatchCount * data == globalBatch else {
            throw InputError(file: origin, key: "microbatch", "size \(microbatchSize) × count \(microbatchCount) × data \(data) ≠ workload.globalBatchSize \(globalBatch); re-run `plan train`")
        }
        guard chunks.count == pipeline * virtualStages else {
            throw InputError(file: origin, key: "stages", "has \(chunks.count) rows; a plan with pipeline \(pipeline) × virtualStages \(virtualStages) has \(pipeline * virtualStages)")
        }
        let held = chunks.reduce(0) { $0 + $1.layerCount }
        guard held == layers, chunks.allSatisfy({ $0.layerCount >= 0 && (0...$0.layerCount).contains($0.recomputedLayers) }) else {
            throw InputError(file: origin, key: "stages", "hold \(held) layers (model.layers is \(layers)) or recompute more layers than they hold; re-run `plan train`")
        }
        guard gpusOnNode.reduce(0, +) == devices else {
            throw InputError(file: origin, key: "deviceMap", "lists \(gpusOnNode.reduce(0, +)) devices, but cluster.devices is \(devices)")
        }
        guard (0...3).contains(zeroStage) else {
            throw InputError(file: origin, key: "parallelism.zeroStage", "is \(zeroStage); expected 0, 1, 2 or 3")
        }
    }
}

