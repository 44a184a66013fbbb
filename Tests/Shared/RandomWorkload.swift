import CostModel
import Foundation
import PlanFiles
import Planner

/// A seeded random valid input for the property tests: a small model and cluster file and the flags of
/// one `plan train`. The same seed gives the same files on every platform and Swift version, so a
/// failing case is reproduced from the seed printed with it.
struct RandomWorkload: CustomStringConvertible, Sendable {
    var seed: UInt64
    /// model.yaml and cluster.yaml, as a user would write them.
    var model: String
    var cluster: String
    var gpu: String
    var devices: Int
    var globalBatch: Int
    var sequenceLength: Int
    var top: Int

    /// The flags of `plan train` besides --model and --cluster.
    var arguments: [String] {
        ["--global-batch", "\(globalBatch)", "--seq-len", "\(sequenceLength)", "--top", "\(top)"]
    }

    var description: String {
        "seed \(seed): plan train \(arguments.joined(separator: " "))\n"
            + "--- model.yaml\n\(model)--- cluster.yaml\n\(cluster)"
    }

    /// The seeds the property tests run.
    static let seeds: [UInt64] = (1...30).map { 0x5EED_0000 + UInt64($0) }

    /// Device memory of the bundled profiles the clusters use, GiB (hardware-profiles/*.yaml).
    static let capacityGiB = [
        "h100-sxm5-80gb": 80.0, "a100-sxm4-80gb": 80, "a100-sxm4-40gb": 40, "mi300x": 192, "b200": 180,
    ]

    /// A valid small model and cluster: layers 2–48, hidden a multiple of the heads, key-value heads
    /// dividing the heads, SwiGLU or GELU, sometimes mixture-of-experts; 1–4 nodes of 8 GPUs.
    init(seed: UInt64) {
        var rng = SplitMix64(state: seed)
        let layers = 2 + rng.below(47)
        let heads = rng.pick([4, 8, 12, 16, 24, 32])
        let headDim = rng.pick([32, 64, 128])
        let hidden = heads * headDim
        let kvDivisors = (1...heads).filter { heads % $0 == 0 }
        let kvHeads = rng.pick(kvDivisors)
        let gated = rng.chance(50)
        let ffn = gated ? (hidden * 8 / 3 + 63) / 64 * 64 : 4 * hidden
        var model = """
            name: random-\(seed)
            num_hidden_layers: \(layers)
            hidden_size: \(hidden)
            num_attention_heads: \(heads)
            num_key_value_heads: \(kvHeads)
            intermediate_size: \(ffn)
            vocab_size: \(rng.pick([1000, 32000, 50257, 128256]))
            max_position_embeddings: \(rng.pick([1024, 2048, 4096]))
            hidden_act: \(gated ? "silu" : "gelu")
            tie_word_embeddings: \(rng.chance(50))

            """
        if rng.chance(30) {
            let experts = rng.pick([4, 8, 16])
            model += """
                num_local_experts: \(experts)
                num_experts_per_tok: \(1 + rng.below(2))
                moe_intermediate_size: \(ffn / rng.pick([1, 2, 4]))

                """
        }
        let gpu = rng.pick(Array(Self.capacityGiB.keys).sorted())
        let nodes = 1 + rng.below(4)
        self.seed = seed
        self.model = model
        cluster = "name: random-\(seed)\ngpu: \(gpu)\nnodes: \(nodes)\ngpus_per_node: 8\n"
        self.gpu = gpu
        devices = nodes * 8
        globalBatch = nodes * 8 * rng.pick([1, 2, 4])
        sequenceLength = rng.pick([512, 1024, 2048])
        top = 2
    }

    /// Writes model.yaml and cluster.yaml into a new scratch directory and returns their paths.
    func write() throws -> (model: String, cluster: String) {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("plan-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let model = directory.appendingPathComponent("model.yaml")
        let cluster = directory.appendingPathComponent("cluster.yaml")
        try self.model.write(to: model, atomically: true, encoding: .utf8)
        try self.cluster.write(to: cluster, atomically: true, encoding: .utf8)
        return (model.path, cluster.path)
    }
}

extension RandomWorkload {
    /// What `plan train --model MODEL --cluster CLUSTER` with `arguments` computes, in process, as
    /// Sources/plan/Commands/TrainCommand.swift does it: the files read by the loaders, the search run,
    /// and the plan document of its result (nil when no configuration fits), with `solver.wallSeconds` 0.
    struct Answer {
        var space: SearchSpace
        var result: SearchResult
        var document: TrainingPlanDocument?
    }

    func plan(model: String, cluster: String) throws -> Answer {
        let data = DataDirectory()
        let model = try data.model(model), cluster = try data.cluster(cluster)
        let framework = try data.framework("megatron")
        let space = SearchSpace(
            model: model, cluster: cluster, globalBatchSize: globalBatch,
            sequenceLength: sequenceLength, precisions: [.bf16], framework: framework)
        let options = SearchOptions(top: top, solver: SolverOptions(timeLimitSeconds: 30))
        let result = TrainingSearch.run(space: space, options: options)
        var document =
            result.plans.isEmpty
            ? nil
            : TrainingPlanDocument(
                result: result, model: model, cluster: cluster, framework: framework,
                wallSeconds: 0)
        document?.attachUncertainty(DataDirectory().predictionIntervals())
        return Answer(space: space, result: result, document: document)
    }
}

extension SplitMix64 {
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    mutating func pick<T>(_ choices: [T]) -> T { choices[below(choices.count)] }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
}
