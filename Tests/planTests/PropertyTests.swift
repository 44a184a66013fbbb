import Foundation
import Testing

/// Seeded random valid inputs: whatever small model and cluster a user writes, `plan train` answers
/// with a contract-valid plan that fits the device, or with "no configuration fits" — never another
/// status — and the same inputs give the same bytes (apart from `solver.wallSeconds`).
@Suite(.serialized)
struct PropertyTests {
    /// SplitMix64 (Steele, Lea and Flood 2014): a generator whose stream is fixed by its seed on every
    /// platform and Swift version, so a failing case is reproduced from the seed printed with it.
    struct SplitMix64 {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
        mutating func pick<T>(_ choices: [T]) -> T { choices[below(choices.count)] }
        mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    }

    /// Device memory of the bundled profiles the clusters use, GiB (hardware-profiles/*.yaml).
    static let capacityGiB = ["h100-sxm5-80gb": 80.0, "a100-sxm4-80gb": 80, "a100-sxm4-40gb": 40, "mi300x": 192, "b200": 180]

    struct Case: CustomStringConvertible, Sendable {
        var seed: UInt64
        var model: String
        var cluster: String
        var gpu: String
        var devices: Int
        var arguments: [String]
        var description: String {
            "seed \(seed): plan train \(arguments.joined(separator: " "))\n--- model.yaml\n\(model)--- cluster.yaml\n\(cluster)"
        }
    }

    /// A valid small model and cluster: layers 2–48, hidden a multiple of the heads, key-value heads
    /// dividing the heads, SwiGLU or GELU, sometimes mixture-of-experts; 1–4 nodes of 8 GPUs.
    static func generate(seed: UInt64) -> Case {
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
        let gpu = rng.pick(Array(capacityGiB.keys).sorted())
        let nodes = 1 + rng.below(4)
        let cluster = "name: random-\(seed)\ngpu: \(gpu)\nnodes: \(nodes)\ngpus_per_node: 8\n"
        let batch = nodes * 8 * rng.pick([1, 2, 4])
        let arguments = ["--global-batch", "\(batch)", "--seq-len", "\(rng.pick([512, 1024, 2048]))", "--top", "2"]
        return Case(seed: seed, model: model, cluster: cluster, gpu: gpu, devices: nodes * 8, arguments: arguments)
    }

    static let seeds: [UInt64] = (1...30).map { 0x5EED_0000 + UInt64($0) }

    @Test(arguments: seeds)
    func trainAnswersWithAFittingPlanOrNoFit(seed: UInt64) throws {
        let c = Self.generate(seed: seed)
        let directory = try Binary.scratch()
        let model = directory.appendingPathComponent("model.yaml"), cluster = directory.appendingPathComponent("cluster.yaml")
        try c.model.write(to: model, atomically: true, encoding: .utf8)
        try c.cluster.write(to: cluster, atomically: true, encoding: .utf8)
        let arguments = ["train", "--model", model.path, "--cluster", cluster.path] + c.arguments
        let first = try Binary.run(arguments)
        #expect(first.status == 0 || first.status == 1, "\(c)\nstatus \(first.status): \(first.stderr)")
        if first.status == 1 {
            #expect(first.stdout.isEmpty, "\(c)")
            #expect(first.stderr.contains("no configuration fits"), "\(c)\n\(first.stderr)")
            return
        }
        guard first.status == 0 else { return }
        let plan = try first.json()
        #expect(Contract.problems(plan).isEmpty, "\(c)\n\(Contract.problems(plan))")
        let total = Contract.value(plan, "prediction.memoryPerDeviceGiB.total") as? Double ?? .infinity
        let capacity = Self.capacityGiB[c.gpu] ?? 0
        #expect(total <= capacity, "\(c)\n\(total) GiB on a \(capacity) GiB device")
        #expect(Contract.value(plan, "cluster.devices") as? Int == c.devices, "\(c)")
        let second = try Binary.run(arguments)
        #expect(Self.stripped(first.stdout) == Self.stripped(second.stdout), "\(c)\nnot the same bytes twice")
    }

    static func stripped(_ data: Data) -> String {
        String(decoding: data, as: UTF8.self).split(separator: "\n").filter { !$0.contains("\"wallSeconds\"") }.joined(separator: "\n")
    }
}
