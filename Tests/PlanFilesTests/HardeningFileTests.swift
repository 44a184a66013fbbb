import CostModel
import Foundation
import PlanFiles
import Testing

/// Files that are almost right: repeated keys, misspelt keys in our own formats, links the
/// hardware cannot have, and sizes no model file comes near.
extension BadFileTests {
    static let hardeningCases: [Case] = [
        cluster(
            "a repeated key (the first won in silence)", h100 + "nodes: 64\n",
            ["bad.yaml:5", "'nodes'", "appears twice (lines 3 and 5)", "keep one"]),
        model(
            "a repeated key in a model", llama + "\nhidden_size: 8192\n",
            ["bad.yaml:8", "'hidden_size'", "appears twice (lines 2 and 8)"]),
        cluster(
            "a repeated key in a group",
            "name: x\ngroups:\n  - gpu: h100-sxm5-80gb\n    nodes: 1\n    nodes: 2\n",
            ["bad.yaml:5", "groups[0].nodes", "appears twice (lines 4 and 5)"]),
        cluster(
            "a misspelt cluster key", h100 + "inter_node_Gbps_per_gpus: 400\n",
            ["bad.yaml:5", "'inter_node_Gbps_per_gpus'", "did you mean 'inter_node_Gbps_per_gpu'?"]),
        cluster(
            "node for nodes", "name: x\ngpu: h100-sxm5-80gb\nnode: 2\n",
            ["bad.yaml:3", "'node'", "did you mean 'nodes'?"]),
        cluster(
            "a group key at the top of a grouped cluster",
            "name: x\nnodes: 4\ngroups:\n  - gpu: h100-sxm5-80gb\n    nodes: 1\n",
            ["bad.yaml:2", "'nodes'", "is set per group", "move it into each entry of groups"]),
        cluster(
            "a misspelt group key", "name: x\ngroups:\n  - gpu: h100-sxm5-80gb\n    nodes: 1\n    gpu_per_node: 4\n",
            ["bad.yaml:5", "groups[0].gpu_per_node", "did you mean 'gpus_per_node'?"]),
        cluster(
            "a misspelt inline profile key",
            inline(profile.replacingOccurrences(of: "memory_GiB", with: "memory_GB") + "\n" + peak),
            ["gpu.memory_GB", "did you mean 'memory_GiB'?"]),
        cluster(
            "a misspelt efficiency key", inline(profile + "\n" + peak + "efficiency: {gemm_mx: 0.7}\n"),
            ["gpu.efficiency.gemm_mx", "did you mean 'gemm_max'?"]),
        cluster(
            "a sparse-sounding peak key",
            inline(profile + "\n" + "dense_peak_TFLOPS: {bf16: 989, bf16_sparse: 1979}\n"),
            ["gpu.dense_peak_TFLOPS.bf16_sparse", "is not a key"]),
        cluster(
            "an NVLink domain of 72 on 8-GPU H100 nodes", h100 + "nvlink_domain_gpus: 72\n",
            ["bad.yaml:5", "nvlink_domain_gpus", "h100-sxm5-80gb", "at most 8 GPUs", "use 8 or fewer"]),
        cluster(
            "an NVLink domain on PCIe cards", "name: x\ngpu: l40s\nnodes: 1\nnvlink_domain_gpus: 8\n",
            ["nvlink_domain_gpus", "l40s", "at most 1 GPU (its profile's"]),
        cluster(
            "NVLink bandwidth both directions", h100 + "intra_node_GBps: 900\n",
            ["bad.yaml:5", "intra_node_GBps", "(that is both directions)", "give 450 or less"]),
        cluster(
            "16 H100 on one board", "name: x\ngpu: h100-sxm5-80gb\nnodes: 2\ngpus_per_node: 16\n",
            ["bad.yaml:4", "gpus_per_node", "its boards hold 8", "give 8 or fewer"]),
        cluster(
            "a node's NIC total as per-GPU", h100 + "inter_node_Gbps_per_gpu: 3200\n",
            ["bad.yaml:5", "inter_node_Gbps_per_gpu", "more than twice the 400 Gb/s", "give at most 800"]),
        cluster(
            "a profile name in capitals", "name: x\ngpu: H100-SXM5-80GB\nnodes: 1\n",
            ["bad.yaml:2", "'gpu'", "did you mean 'h100-sxm5-80gb'?"]),
        cluster(
            "a model file as the cluster", llama,
            ["bad.yaml:1", "num_hidden_layers", "this is a model file; pass it with --model"]),
        model(
            "a cluster file as the model", h100,
            ["bad.yaml:4", "'gpus_per_node'", "this is a cluster file; pass it with --cluster"]),
        model(
            "a required key misspelt", llama.replacingOccurrences(of: "num_hidden_layers", with: "num_hidden_layer"),
            ["num_hidden_layers", "is missing ('num_hidden_layer' is in the file: a misspelling?)"]),
        model(
            "a JSON key with a trailing space",
            "{\"num_hidden_layers\": 2, \"hidden_size \": 64, \"num_attention_heads\": 4, \"vocab_size\": 100}",
            ["'hidden_size'", "is missing ('hidden_size ' is in the file: a misspelling?)"]),
        model(
            "a repeated JSON key", "{\"num_hidden_layers\": 2,\n\"num_hidden_layers\": 4}",
            ["bad.yaml:2", "'num_hidden_layers'", "appears twice (lines 1 and 2)"]),
        model(
            "tabs for indentation", "rope_scaling:\n\tfactor: 8\n" + llama, ["--model", "is not valid YAML or JSON"]),
        model(
            "12 MB of YAML", llama + "\nbig:\n" + String(repeating: "  - 1\n", count: 2_000_000),
            ["--model", "KiB of YAML", "more than the 1 MiB"]),
    ]

    /// YAML aliases expand to shared nodes, not copies: a "billion laughs" file (10 levels of 10
    /// aliases, 10^10 leaves if copied) in a key plan does not read loads at once.
    @Test func aliasBombInAnUnreadKeyIsHarmless() throws {
        var lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
        for level in 1...9 {
            lines.append(
                "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ") + "]")
        }
        let text = lines.joined(separator: "\n") + "\n" + Self.llama + "\n"
        let model = try DataDirectory().model(data: Data(text.utf8), shownAs: "m.yaml", defaultName: "m")
        #expect(model.layers == 32 && model.keyValueHeads == 8)
    }

    static func fixture(_ path: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures").appendingPathComponent(path)
    }

    static func nearMisses(_ text: String) throws -> [NearMiss] {
        try DataDirectory().modelReportingNearMisses(data: Data(text.utf8), shownAs: "m.yaml", defaultName: "m")
            .nearMisses
    }

    /// A key within a typo of one the model reads, and absent under every spelling, is named; the
    /// model still loads (its key has no effect).
    @Test(arguments: [
        ("num_key_value_heads", "num_key_value_head", 4),
        ("intermediate_size", "intermediate_sise", 5),
        ("hidden_act", "Hidden_Act", 7),
    ])
    func nearMissKeysAreNamed(key: String, typo: String, line: Int) throws {
        let misses = try Self.nearMisses(Self.llama.replacingOccurrences(of: key + ":", with: typo + ":"))
        #expect(misses == [NearMiss(file: "m.yaml", line: line, key: typo, meant: key)])
        #expect(
            misses.first?.description
                == "warning: m.yaml:\(line): '\(typo)' is not a key plan reads, so it has no effect; did you mean "
                + "'\(key)'?")
    }

    @Test func misspeltExpertCountIsNamed() throws {
        let mixtral = Self.llama + "\nnum_local_expert: 8\nnum_experts_per_tok: 2\ntie_word_embedding: false\n"
        #expect(
            try Self.nearMisses(mixtral).map(\.meant) == ["num_local_experts", "tie_word_embeddings"])
    }

    /// Unread keys far from every key read, or near one whose quantity is given under another
    /// spelling (BLOOM's `n_embed` beside `hidden_size`), stay silent.
    @Test func harmlessKeysStaySilent() throws {
        #expect(try Self.nearMisses(Self.llama + "\nn_embed: 4096\nrope_theta: 500000\nuse_cache: true\n").isEmpty)
    }

    /// 67 real Hugging Face configs (Tests/Fixtures/README.md) and every bundled model give no
    /// warning; the configs that describe a transformer load.
    @Test func realConfigsGiveNoWarning() throws {
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.fixture("many/hf-configs.json")))
        let configs = try #require((document as? [String: Any])?["configs"] as? [String: Any])
        #expect(configs.count == 67)
        var loaded = 0
        for (name, config) in configs.sorted(by: { $0.key < $1.key }) {
            let data = try JSONSerialization.data(withJSONObject: config)
            guard
                let result = try? DataDirectory().modelReportingNearMisses(
                    data: data, shownAs: name, defaultName: name)
            else { continue }
            loaded += 1
            #expect(result.nearMisses.isEmpty, "\(name): \(result.nearMisses)")
        }
        // LLaVA's text_config leaves its shape to LlamaConfig defaults, and RWKV has no attention heads.
        #expect(loaded == 65)
        let models = try FileManager.default.contentsOfDirectory(
            at: Self.fixture("").deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
                "models"), includingPropertiesForKeys: nil
        ).filter { $0.pathExtension == "yaml" }
        #expect(models.count > 20)
        for url in models {
            let result = try DataDirectory().modelReportingNearMisses(
                data: Data(contentsOf: url), shownAs: url.lastPathComponent, defaultName: "m")
            #expect(result.nearMisses.isEmpty, "\(url.lastPathComponent): \(result.nearMisses)")
        }
    }

    /// A multimodal config (Mistral 3) plans its language model, found under `text_config`.
    @Test func textConfigIsTheLanguageModel() throws {
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.fixture("many/hf-configs.json")))
        let configs = try #require((document as? [String: Any])?["configs"] as? [String: Any])
        let config = try #require(configs["ministral3_3b_2512"])
        let model = try DataDirectory().model(
            data: JSONSerialization.data(withJSONObject: config), shownAs: "c.json", defaultName: "ministral3")
        #expect(model.layers == 26 && model.hiddenSize == 3072 && model.keyValueHeads == 8)
        #expect(model.name == "ministral3")
    }

    /// A 12 MB config.json whose 3-million-element list sits in a key plan does not read loads as
    /// the same model without it, and the lines after the list keep their numbers in errors.
    @Test func largeIgnoredJSONValuesAreSkipped() throws {
        let base = try String(contentsOf: Self.fixture("llama-3-70b-config.json"), encoding: .utf8)
        let list = "[" + Array(repeating: "1.5", count: 3_000_000).joined(separator: ",\n") + "]"
        let big = base.replacingOccurrences(of: "{\n", with: "{\n  \"big\": \(list),\n", options: .anchored)
        #expect(big.utf8.count > 12_000_000)
        let data = DataDirectory()
        let plain = try data.model(data: Data(base.utf8), shownAs: "c.json", defaultName: "c")
        #expect(try data.model(data: Data(big.utf8), shownAs: "c.json", defaultName: "c") == plain)
        let broken = big.replacingOccurrences(of: "\"vocab_size\": 128256", with: "\"vocab_size\": \"lots\"")
        let error = #expect(throws: InputError.self) {
            try data.model(data: Data(broken.utf8), shownAs: "c.json", defaultName: "c")
        }
        let line = broken.split(separator: "\n", omittingEmptySubsequences: false)
            .firstIndex { $0.contains("\"vocab_size\"") }.map { $0 + 1 }
        #expect(
            error?.description.contains("c.json:\(line ?? 0): 'vocab_size'") == true, "\(String(describing: error))")
    }
}
