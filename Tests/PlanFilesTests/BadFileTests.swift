import Foundation
import PlanFiles
import Testing

/// Bad model, cluster, hardware-profile and runs files, read in process by the loaders `plan` uses
/// (`DataDirectory` for --model and --cluster, `YAMLMapping` and `RunsFile` for `plan validate RUNS`):
/// each is refused with one `InputError` whose one-line description names the file (and YAML line), the
/// key and what would be valid. How the binary prints it (exit status 1, nothing on standard output,
/// --out untouched) is checked end to end in Tests/planTests/BadInputTests.swift.
struct BadFileTests {
    /// The loader a case goes through, as the command line would call it.
    enum Loader: String, Sendable {
        /// `--model ARGUMENT`
        case model
        /// `--cluster ARGUMENT`
        case cluster
        /// `plan validate ARGUMENT`
        case runs

        func load(_ argument: String) throws {
            let data = DataDirectory()
            switch self {
            case .model: _ = try data.model(argument)
            case .cluster: _ = try data.cluster(argument)
            case .runs:
                let yaml = try YAMLMapping(contentsOf: URL(fileURLWithPath: argument), shownAs: argument, flag: "RUNS")
                _ = try RunsFile.decode(yaml, data: data)
            }
        }
    }

    struct Case: CustomStringConvertible, Sendable {
        var name: String
        var loader: Loader
        /// Text written into the scratch directory as `bad.yaml` (nil: none).
        var file: String?
        /// Raw bytes for `bad.yaml` instead of `file` (binary files).
        var bytes: [UInt8]? = nil
        /// What the loader is given: "BAD" is the scratch file's path, "DIR" the scratch directory.
        var argument = "BAD"
        /// Text the message must contain (the file, the key and the fix).
        var mentions: [String]
        var description: String { name }
    }

    static let llama = """
        num_hidden_layers: 32
        hidden_size: 4096
        num_attention_heads: 32
        num_key_value_heads: 8
        intermediate_size: 14336
        vocab_size: 128256
        hidden_act: silu
        """

    /// `llama` with `key` set to `value` on its own line.
    static func llama(_ key: String, _ value: String) -> String {
        llama.split(separator: "\n").map { $0.hasPrefix("\(key):") ? "\(key): \(value)" : String($0) }
            .joined(separator: "\n")
    }

    static func model(_ name: String, _ file: String?, _ mentions: [String]) -> Case {
        Case(name: name, loader: .model, file: file, mentions: mentions)
    }

    static func cluster(_ name: String, _ file: String, _ mentions: [String]) -> Case {
        Case(name: name, loader: .cluster, file: file, mentions: mentions)
    }

    /// A cluster file on 2 H100 nodes with a `pipeline_handoff_seconds:` table of `body`; the mentions
    /// after the key's name.
    static func handoff(_ name: String, _ body: String, _ mentions: [String]) -> Case {
        cluster(
            "pipeline handoff " + name,
            "name: x\ngpu: h100-sxm5-80gb\nnodes: 2\npipeline_handoff_seconds:\n" + body,
            ["pipeline_handoff_seconds" + mentions[0]] + mentions.dropFirst())
    }

    /// The first model and cluster cases, as the command line's bad-input list began.
    static let firstCases: [Case] = [
        Case(
            name: "missing model file", loader: .model, file: nil, argument: "no-such-model",
            mentions: ["--model", "no-such-model", "llama3-70b"]),
        model(
            "missing layers", "hidden_size: 4096\nnum_attention_heads: 32\nvocab_size: 32000\n",
            ["bad.yaml", "num_hidden_layers", "is missing"]),
        model("negative hidden size", llama("hidden_size", "-4096"), ["bad.yaml:2", "hidden_size", "whole number"]),
        model("text for a number", llama("vocab_size", "lots"), ["bad.yaml:6", "vocab_size", "'lots'"]),
        model("heads do not divide hidden", llama("num_attention_heads", "30"), ["num_attention_heads", "head_dim"]),
        model("kv heads do not divide heads", llama("num_key_value_heads", "5"), ["num_key_value_heads", "divisor"]),
        model("fractional layers", llama("num_hidden_layers", "32.5"), ["num_hidden_layers", "whole number"]),
        model(
            "more experts per token than experts", llama + "\nnum_local_experts: 4\nnum_experts_per_tok: 8\n",
            ["num_experts_per_tok", "at most 4"]),
        model("unknown activation", llama("hidden_act", "wiggle"), ["hidden_act", "silu"]),
        model("not YAML", "hidden_size: [4096\n", ["bad.yaml", "not valid YAML"]),
        cluster("unknown GPU", "name: x\ngpu: h900\nnodes: 2\n", ["bad.yaml", "gpu", "h900", "h100-sxm5-80gb"]),
        cluster("zero nodes", "name: x\ngpu: h100-sxm5-80gb\nnodes: 0\n", ["nodes", "whole number from 1"]),
        cluster(
            "negative bandwidth", "name: x\ngpu: h100-sxm5-80gb\nnodes: 1\ninter_node_Gbps_per_gpu: -400\n",
            ["inter_node_Gbps_per_gpu", "positive"]),
    ]

    /// Every model key, and every kind of value where a number belongs.
    static let modelCases: [Case] = [
        model(
            "zero layers", llama("num_hidden_layers", "0"),
            ["bad.yaml:1", "num_hidden_layers", "whole number from 1"]),
        model("NaN layers", llama("num_hidden_layers", ".nan"), ["bad.yaml:1", "num_hidden_layers", "finite number"]),
        model(
            "Infinity hidden size", llama("hidden_size", "Infinity"),
            ["bad.yaml:2", "hidden_size", "finite number"]),
        model("1e400 hidden size", llama("hidden_size", "1e400"), ["hidden_size", "finite number", "1e400"]),
        model(
            "-0 heads", llama("num_attention_heads", "-0"),
            ["bad.yaml:3", "num_attention_heads", "whole number from 1"]),
        model(
            "huge kv heads", llama("num_key_value_heads", "99999999999999999999"),
            ["num_key_value_heads", "whole number from 1 to 100000"]),
        model(
            "kv heads line named", llama("num_key_value_heads", "64"),
            ["bad.yaml:4", "num_key_value_heads", "divisor of 32"]),
        model("head_dim as a list", llama + "\nhead_dim: [128]\n", ["bad.yaml:8", "head_dim", "a list"]),
        model(
            "intermediate_size as a mapping", llama("intermediate_size", "{size: 14336}"),
            ["intermediate_size", "a mapping"]),
        model("quoted vocab", llama("vocab_size", "\"128256\""), ["vocab_size", "remove the quotes"]),
        model(
            "zero max positions", llama + "\nmax_position_embeddings: 0\n",
            ["max_position_embeddings", "whole number from 1"]),
        model(
            "fractional experts", llama + "\nnum_local_experts: 7.5\nnum_experts_per_tok: 2\n",
            ["num_local_experts", "whole number"]),
        model(
            "experts without experts per token", llama + "\nnum_local_experts: 8\n",
            ["num_experts_per_tok", "is missing"]),
        model(
            "negative moe_intermediate_size",
            llama + "\nnum_local_experts: 8\nnum_experts_per_tok: 2\nmoe_intermediate_size: -1\n",
            ["moe_intermediate_size", "whole number from 1"]),
        model(
            "first_k_dense_replace beyond layers",
            llama + "\nnum_local_experts: 8\nnum_experts_per_tok: 2\nfirst_k_dense_replace: 40\n",
            ["first_k_dense_replace", "from 0 to 32", "'40'"]),
        model(
            "kv_lora_rank alone", llama + "\nkv_lora_rank: 512\n",
            ["qk_rope_head_dim", "is missing", "kv_lora_rank"]),
        model(
            "yes-or-no for a boolean", llama + "\ntie_word_embeddings: maybe\n",
            ["tie_word_embeddings", "true or false"]),
        model(
            "block scalar stays one line", llama("hidden_size", "|\n  4096\n  8192"),
            ["hidden_size", "must be a plain number", "\\n"]),
    ]

    /// Files that are not a model at all.
    static let fileCases: [Case] = [
        model("empty file", "", ["bad.yaml", "--model", "is empty"]),
        model("only comments", "# a model\n---\n", ["--model", "is empty"]),
        model("a list", "- num_hidden_layers: 32\n- hidden_size: 4096\n", ["--model", "must be a mapping", "a list"]),
        Case(name: "a directory", loader: .model, file: nil, argument: "DIR", mentions: ["--model", "is a directory"]),
        Case(
            name: "a binary file", loader: .model, file: nil,
            bytes: [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0xFF, 0xFE, 0x80, 0xC3, 0x28, 0x00],
            mentions: ["--model", "not UTF-8"]),
        model(
            "mappings nested too deep (a crash before, found by Fuzz/)",
            "a: " + String(repeating: "{a: ", count: 5_000) + "1" + String(repeating: "}", count: 5_000),
            ["--model", "nests", "levels deep"]),
        model(
            "nested too deep (a crash before)",
            "a: " + String(repeating: "[", count: 20_000) + String(repeating: "]", count: 20_000),
            ["--model", "nests", "levels deep"]),
        Case(
            name: "an endless file", loader: .model, file: nil, argument: "/dev/zero",
            mentions: ["/dev/zero", "--model", "larger than 16 MiB"]),
        Case(
            name: "a file that does not exist in a runs argument", loader: .runs, file: nil,
            argument: "DIR/none.yaml", mentions: ["RUNS", "does not exist"]),
    ]

    static let h100 = "name: x\ngpu: h100-sxm5-80gb\nnodes: 1\ngpus_per_node: 8\n"

    static let clusterCases: [Case] = [
        cluster("nodes missing", "name: x\ngpu: h100-sxm5-80gb\n", ["nodes", "is missing"]),
        cluster(
            "zero GPUs per node", "name: x\ngpu: h100-sxm5-80gb\nnodes: 1\ngpus_per_node: 0\n",
            ["bad.yaml:4", "gpus_per_node", "whole number from 1"]),
        cluster(
            "zero NVLink bandwidth", h100 + "intra_node_GBps: 0\n",
            ["bad.yaml:5", "intra_node_GBps", "positive", "GB/s"]),
        cluster(
            "negative latency", h100 + "inter_node_latency_us: -5\n",
            ["inter_node_latency_us", "positive", "microseconds"]),
        cluster(
            "1e300 latency (a crash before)",
            "name: x\ngpu: h100-sxm5-80gb\nnodes: 2\ninter_node_latency_us: 1e300\n",
            ["inter_node_latency_us", "from 0.001 to 1000000"]),
        cluster(
            "measured bandwidth without a source",
            h100 + "measured_bus_GBps:\n  all_reduce: {2: 361.7}\n",
            ["measured_bus_GBps.source", "is missing", "where the bandwidths were measured"]),
        cluster(
            "measured bandwidth keyed by text",
            h100 + "measured_bus_GBps:\n  source: nccl-tests\n  all_reduce: {two: 361.7}\n",
            ["measured_bus_GBps.all_reduce.two", "not a node count", "2: 361.7"]),
        cluster(
            "measured bandwidth above NVLink (both directions?)",
            h100 + "measured_bus_GBps:\n  source: nccl-tests\n  all_gather: {2: 900}\n",
            ["measured_bus_GBps.all_gather.2", "at most the NVLink rate 450 GB/s"]),
        cluster(
            "measured bandwidth of one node only",
            h100 + "measured_bus_GBps:\n  source: nccl-tests\n  all_reduce: {1: 436}\n",
            ["measured_bus_GBps.all_reduce", "no node count above 1"]),
        cluster(
            "measured bandwidth on a PCIe node (not one NVLink domain)",
            "name: x\ngpu: l40s\nnodes: 2\nmeasured_bus_GBps:\n  source: nccl-tests\n  all_reduce: {2: 10}\n",
            ["measured_bus_GBps", "keyed by nodes", "nvlink_domain_gpus 1"]),
        cluster(
            "measured bandwidth on a cluster of groups",
            "name: x\ngroups:\n  - gpu: h100-sxm5-80gb\n    nodes: 2\n  - gpu: a100-sxm4-80gb\n    nodes: 2\n"
                + "measured_bus_GBps:\n  source: nccl-tests\n  all_reduce: {2: 100}\n",
            ["measured_bus_GBps", "several groups", "one group"]),
        cluster(
            "measured bandwidth misspelt collective",
            h100 + "measured_bus_GBps:\n  source: nccl-tests\n  allreduce: {2: 361.7}\n",
            ["measured_bus_GBps.allreduce", "did you mean 'all_reduce'"]),
        handoff(
            "without a source", "  by_nodes: {2: 0.014}\n", [".source", "is missing", "handoff time was measured"]),
        handoff(
            "of zero seconds (log-log interpolation)", "  source: fit\n  by_nodes: {2: 0}\n",
            [".by_nodes.2", "above 0"]),
        handoff(
            "without its framework", "  source: fit\n  by_nodes: {2: 0.014}\n",
            [".framework", "is missing", "nanotron"]),
        handoff(
            "of an unknown framework", "  source: fit\n  framework: nanotorn\n  by_nodes: {2: 0.014}\n",
            [".framework", "'nanotorn' is not a framework", "nanotron"]),
        handoff("without by_nodes", "  source: fit\n", [".by_nodes", "is missing", "{2: 0.014}"]),
        cluster(
            "price as text", h100 + "usd_per_gpu_hour: $2.50\n",
            ["usd_per_gpu_hour", "must be a plain number like", "$2.50"]),
        cluster(
            "NVLink domain neither divides nor multiplies", h100 + "nvlink_domain_gpus: 3\n",
            ["bad.yaml:5", "nvlink_domain_gpus", "neither divides nor is a multiple", "gpus_per_node 8"]),
        cluster("groups empty", "name: x\ngroups: []\n", ["bad.yaml:2", "groups", "is empty", "gpu, nodes"]),
        cluster(
            "group without gpu", "name: x\ngroups:\n  - nodes: 1\n    gpus_per_node: 8\n",
            ["groups[0].gpu", "is missing", "h100-sxm5-80gb"]),
        cluster(
            "unknown gpu in a group",
            "name: x\ngroups:\n  - gpu: h100-sxm5-80gb\n    nodes: 1\n  - gpu: h999\n    nodes: 1\n",
            ["bad.yaml:5", "groups[1].gpu", "'h999'", "a100-sxm4-80gb"]),
        cluster("gpu names a path", "gpu: ../models/llama3-8b\nnodes: 1\n", ["gpu", "not a known hardware profile"]),
        cluster(
            "more GPUs than any cluster", "name: x\ngpu: h100-sxm5-80gb\nnodes: 1000000\n",
            ["nodes", "8000000 GPUs", "262144"]),
    ]

    /// A cluster whose `gpu:` is an inline profile of `lines`.
    static func inline(_ lines: String) -> String {
        "name: x\nnodes: 1\ngpu:\n" + lines.split(separator: "\n").map { "  \($0)" }.joined(separator: "\n") + "\n"
    }

    static let profile =
        "memory_GiB: 80\nmemory_TBps: 3.35\nlink_GBps_one_direction: 450\n"
        + "nic_Gbps_per_gpu_one_direction: 400"
    static let peak = "dense_peak_TFLOPS: {bf16: 989}\n"

    static let profileCases: [Case] = [
        cluster("inline profile without peaks", inline(profile), ["gpu.dense_peak_TFLOPS", "is missing", "dense"]),
        cluster(
            "negative peak", inline("dense_peak_TFLOPS: {bf16: -989}\n" + profile),
            ["gpu.dense_peak_TFLOPS.bf16", "positive", "TFLOP/s"]),
        cluster(
            "1e300 peaks (a crash before)", inline("dense_peak_TFLOPS: {bf16: 1e300}\n" + profile),
            ["gpu.dense_peak_TFLOPS.bf16", "10000000"]),
        cluster(
            "efficiency above 1", inline(peak + profile + "\nefficiency: {gemm_max: 1.5}"),
            ["gpu.efficiency.gemm_max", "from 0.001 to 1", "fraction"]),
        cluster(
            "1e308 memory (a crash before, found by Fuzz/)",
            inline(peak + profile.replacingOccurrences(of: "memory_GiB: 80", with: "memory_GiB: 1e308")),
            ["gpu.memory_GiB", "1000000"]),
        cluster(
            "1e-300 network efficiency (a crash before, found by Fuzz/)",
            inline(peak + profile + "\nefficiency: {network: 1e-300}"),
            ["gpu.efficiency.network", "from 0.001 to 1"]),
        cluster(
            "memory below the runtime reserve",
            inline(peak + profile.replacingOccurrences(of: "memory_GiB: 80", with: "memory_GiB: 1")),
            ["gpu.memory_GiB", "from 3", "reserved"]),
        cluster(
            "negative host link", inline(peak + profile + "\nhost_link_GBps_one_direction: -64"),
            ["gpu.host_link_GBps_one_direction", "PCIe Gen5 x16: 64"]),
        cluster(
            "profile calibrated like itself", inline("name: h9\n" + peak + profile + "\ncalibrated_like: h9"),
            ["gpu.calibrated_like", "other profiles", "not this one"]),
        cluster(
            "overlap slowdown above one",
            inline(peak + profile + "\nefficiency: {overlap_slowdown: 1.5}"),
            ["gpu.efficiency.overlap_slowdown", "0 to 1", "ZeRO-2/3"]),
        cluster(
            "profile calibrated like one profile twice",
            inline(peak + profile + "\ncalibrated_like: [h100-sxm5-80gb, h100-sxm5-80gb]"),
            ["gpu.calibrated_like", "each once"]),
        cluster(
            "profile calibrated like a list with a profile that does not exist",
            inline(peak + profile + "\ncalibrated_like: [h100-sxm5-80gb, a100-sxm4-80g]"),
            ["calibrated_like", "'a100-sxm4-80g' is not a profile in hardware-profiles/", "a100-sxm4-80gb"]),
        cluster(
            "profile calibrated like a profile that does not exist",
            inline(peak + profile + "\ncalibrated_like: h100-sxm5-80g"),
            ["calibrated_like", "'h100-sxm5-80g' is not a profile in hardware-profiles/", "h100-sxm5-80gb"]),
    ]

    /// Runs files `plan validate` reads.
    static let runsCases: [Case] = [
        Case(
            name: "runs file with an impossible degree", loader: .runs,
            file: """
                runs:
                - id: bad
                  model: {num_hidden_layers: 2, hidden_size: 64, num_attention_heads: 4, vocab_size: 100}
                  cluster: {gpu: h100-sxm5-80gb, nodes: 1}
                  config: {tp: 100000000, pp: 100000000, dp: 1, mbs: 1, global_batch: 8, seq_len: 128}
                  measured: {tokens_per_second_per_gpu: 1000}
                """, mentions: ["bad.yaml:5", "runs[0].config.tp", "exceeds"]),
        Case(
            name: "runs file with a misspelt config key", loader: .runs,
            file: """
                runs:
                - id: bad
                  model: {num_hidden_layers: 2, hidden_size: 64, num_attention_heads: 4, vocab_size: 100}
                  cluster: {gpu: h100-sxm5-80gb, nodes: 1}
                  config: {dp: 8, mbs: 1, global_batch: 8, seq_len: 128, precision: fp8, fp8_weight_gathers: true}
                  measured: {tokens_per_second_per_gpu: 1000}
                """, mentions: ["runs[0].config.fp8_weight_gathers", "did you mean 'fp8_weight_gather'"]),
    ]

    static let cases =
        firstCases + modelCases + fileCases + clusterCases + profileCases + runsCases + hardeningCases

    @Test(arguments: cases)
    func rejected(_ c: Case) throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("plan-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("bad.yaml")
        if let file = c.file { try file.write(to: path, atomically: true, encoding: .utf8) }
        if let bytes = c.bytes { try Data(bytes).write(to: path) }
        let argument =
            c.argument == "BAD"
            ? path.path
            : c.argument.hasPrefix("DIR") ? directory.path + c.argument.dropFirst(3) : c.argument
        let error = #expect(throws: InputError.self, "\(c)") { try c.loader.load(argument) }
        guard let message = error?.description else { return }
        for text in c.mentions {
            #expect(message.contains(text), "\(c): '\(text)' not in: \(message)")
        }
        #expect(!message.contains("\n") && !message.contains("\r"), "\(c): message is not one line: \(message)")
    }
}
