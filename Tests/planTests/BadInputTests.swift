import Foundation
import Testing

/// Bad input gets one clear message naming the file or flag and the key, exit status 1, nothing on
/// standard output, and an existing --out file left untouched.
@Suite(.serialized)
struct BadInputTests {
    struct Case: CustomStringConvertible, Sendable {
        var name: String
        /// File written into the scratch directory as `bad.yaml` (nil: none).
        var file: String?
        /// Arguments; "BAD" stands for the scratch file's path, "DIR" for the scratch directory.
        var arguments: [String]
        /// Text the message must contain (the key or flag, and the fix).
        var mentions: [String]
        /// Raw bytes for `bad.yaml` instead of `file` (binary files).
        var bytes: [UInt8]? = nil
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

    static let cases: [Case] = [
        Case(name: "missing model file", file: nil, arguments: ["train", "--model", "no-such-model"], mentions: ["--model", "no-such-model", "llama3-70b"]),
        Case(name: "missing layers", file: "hidden_size: 4096\nnum_attention_heads: 32\nvocab_size: 32000\n",
             arguments: ["train", "--model", "BAD"], mentions: ["bad.yaml", "num_hidden_layers", "is missing"]),
        Case(name: "negative hidden size", file: llama.replacingOccurrences(of: "hidden_size: 4096", with: "hidden_size: -4096"),
             arguments: ["train", "--model", "BAD"], mentions: ["bad.yaml:2", "hidden_size", "whole number"]),
        Case(name: "text for a number", file: llama.replacingOccurrences(of: "vocab_size: 128256", with: "vocab_size: lots"),
             arguments: ["train", "--model", "BAD"], mentions: ["bad.yaml:6", "vocab_size", "'lots'"]),
        Case(name: "heads do not divide hidden", file: llama.replacingOccurrences(of: "num_attention_heads: 32", with: "num_attention_heads: 30"),
             arguments: ["train", "--model", "BAD"], mentions: ["num_attention_heads", "head_dim"]),
        Case(name: "kv heads do not divide heads", file: llama.replacingOccurrences(of: "num_key_value_heads: 8", with: "num_key_value_heads: 5"),
             arguments: ["train", "--model", "BAD"], mentions: ["num_key_value_heads", "divisor"]),
        Case(name: "fractional layers", file: llama.replacingOccurrences(of: "num_hidden_layers: 32", with: "num_hidden_layers: 32.5"),
             arguments: ["train", "--model", "BAD"], mentions: ["num_hidden_layers", "whole number"]),
        Case(name: "more experts per token than experts", file: llama + "\nnum_local_experts: 4\nnum_experts_per_tok: 8\n",
             arguments: ["train", "--model", "BAD"], mentions: ["num_experts_per_tok", "at most 4"]),
        Case(name: "unknown activation", file: llama.replacingOccurrences(of: "hidden_act: silu", with: "hidden_act: wiggle"),
             arguments: ["train", "--model", "BAD"], mentions: ["hidden_act", "silu"]),
        Case(name: "not YAML", file: "hidden_size: [4096\n", arguments: ["train", "--model", "BAD"], mentions: ["bad.yaml", "not valid YAML"]),
        Case(name: "unknown GPU", file: "name: x\ngpu: h900\nnodes: 2\n", arguments: ["train", "--cluster", "BAD"],
             mentions: ["bad.yaml", "gpu", "h900", "h100-sxm5-80gb"]),
        Case(name: "zero nodes", file: "name: x\ngpu: h100-sxm5-80gb\nnodes: 0\n", arguments: ["train", "--cluster", "BAD"],
             mentions: ["nodes", "whole number from 1"]),
        Case(name: "negative bandwidth", file: "name: x\ngpu: h100-sxm5-80gb\nnodes: 1\ninter_node_Gbps_per_gpu: -400\n",
             arguments: ["train", "--cluster", "BAD"], mentions: ["inter_node_Gbps_per_gpu", "positive"]),
        Case(name: "tp does not divide heads", file: nil,
             arguments: ["evaluate", "--model", "llama3-8b", "--cluster", "dgx-h100-8", "--tp", "3", "--pp", "1", "--dp", "1", "--mbs", "1"],
             mentions: ["--tp", "does not divide"]),
        Case(name: "degrees do not multiply to devices", file: nil,
             arguments: ["evaluate", "--model", "llama3-8b", "--cluster", "dgx-h100-8", "--tp", "2", "--pp", "2", "--dp", "1", "--mbs", "1"],
             mentions: ["--dp", "8"]),
        Case(name: "batch does not split into microbatches", file: nil,
             arguments: ["evaluate", "--model", "llama3-8b", "--cluster", "dgx-h100-8", "--global-batch", "100", "--tp", "1", "--pp", "1", "--dp", "8", "--mbs", "1"],
             mentions: ["--mbs", "100"]),
        Case(name: "more stages than layers", file: nil,
             arguments: ["evaluate", "--model", "gpt3-125m", "--cluster", "dgx-h100-64", "--tp", "1", "--pp", "64", "--dp", "1", "--mbs", "1"],
             mentions: ["--pp", "12 layers"]),
        Case(name: "unknown precision", file: nil, arguments: ["train", "--model", "llama3-8b", "--cluster", "dgx-h100-8", "--precision", "bf17"],
             mentions: ["--precision", "bf17"]),
        Case(name: "fp8 on a device without it", file: nil, arguments: ["train", "--model", "llama3-8b", "--cluster", "dgx-a100-8", "--precision", "fp8"],
             mentions: ["--precision", "fp8", "a100"]),
        Case(name: "model that fits nowhere", file: nil, arguments: ["train", "--model", "llama3.1-405b", "--cluster", "dgx-h100-8"],
             mentions: ["no configuration fits", "GiB", "devices"]),
    ] + modelCases + fileCases + clusterCases + profileCases + flagCases

    static func model(_ key: String, _ value: String) -> String {
        llama.split(separator: "\n").map { $0.hasPrefix("\(key):") ? "\(key): \(value)" : String($0) }.joined(separator: "\n")
    }

    static func modelCase(_ name: String, _ file: String, _ mentions: [String]) -> Case {
        Case(name: name, file: file, arguments: ["train", "--model", "BAD", "--cluster", "dgx-h100-8"], mentions: mentions)
    }

    /// Every model key, and every kind of value where a number belongs.
    static let modelCases: [Case] = [
        modelCase("zero layers", model("num_hidden_layers", "0"), ["bad.yaml:1", "num_hidden_layers", "whole number from 1"]),
        modelCase("NaN layers", model("num_hidden_layers", ".nan"), ["bad.yaml:1", "num_hidden_layers", "finite number"]),
        modelCase("Infinity hidden size", model("hidden_size", "Infinity"), ["bad.yaml:2", "hidden_size", "finite number"]),
        modelCase("1e400 hidden size", model("hidden_size", "1e400"), ["hidden_size", "finite number", "1e400"]),
        modelCase("-0 heads", model("num_attention_heads", "-0"), ["bad.yaml:3", "num_attention_heads", "whole number from 1"]),
        modelCase("huge kv heads", model("num_key_value_heads", "99999999999999999999"), ["num_key_value_heads", "whole number from 1 to 100000"]),
        modelCase("kv heads line named", model("num_key_value_heads", "64"), ["bad.yaml:4", "num_key_value_heads", "divisor of 32"]),
        modelCase("head_dim as a list", llama + "\nhead_dim: [128]\n", ["bad.yaml:8", "head_dim", "a list"]),
        modelCase("intermediate_size as a mapping", model("intermediate_size", "{size: 14336}"), ["intermediate_size", "a mapping"]),
        modelCase("quoted vocab", model("vocab_size", "\"128256\""), ["vocab_size", "remove the quotes"]),
        modelCase("zero max positions", llama + "\nmax_position_embeddings: 0\n", ["max_position_embeddings", "whole number from 1"]),
        modelCase("fractional experts", llama + "\nnum_local_experts: 7.5\nnum_experts_per_tok: 2\n", ["num_local_experts", "whole number"]),
        modelCase("experts without experts per token", llama + "\nnum_local_experts: 8\n", ["num_experts_per_tok", "is missing"]),
        modelCase("negative moe_intermediate_size", llama + "\nnum_local_experts: 8\nnum_experts_per_tok: 2\nmoe_intermediate_size: -1\n",
                  ["moe_intermediate_size", "whole number from 1"]),
        modelCase("first_k_dense_replace beyond layers", llama + "\nnum_local_experts: 8\nnum_experts_per_tok: 2\nfirst_k_dense_replace: 40\n",
                  ["first_k_dense_replace", "from 0 to 32", "'40'"]),
        modelCase("kv_lora_rank alone", llama + "\nkv_lora_rank: 512\n", ["qk_rope_head_dim", "is missing", "kv_lora_rank"]),
        modelCase("yes-or-no for a boolean", llama + "\ntie_word_embeddings: maybe\n", ["tie_word_embeddings", "true or false"]),
        modelCase("block scalar stays one line", model("hidden_size", "|\n  4096\n  8192"), ["hidden_size", "must be a plain number", "\\n"]),
    ]

    /// Files that are not a model at all.
    static let fileCases: [Case] = [
        modelCase("empty file", "", ["bad.yaml", "--model", "is empty"]),
        modelCase("only comments", "# a model\n---\n", ["--model", "is empty"]),
        modelCase("a list", "- num_hidden_layers: 32\n- hidden_size: 4096\n", ["--model", "must be a mapping", "a list"]),
        Case(name: "a directory", file: nil, arguments: ["train", "--model", "DIR", "--cluster", "dgx-h100-8"], mentions: ["--model", "is a directory"]),
        Case(name: "a binary file", file: nil, arguments: ["train", "--model", "BAD", "--cluster", "dgx-h100-8"], mentions: ["--model", "not UTF-8"],
             bytes: [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0xFF, 0xFE, 0x80, 0xC3, 0x28, 0x00]),
        modelCase("mappings nested too deep (a crash before, found by Fuzz/)", "a: " + String(repeating: "{a: ", count: 5_000) + "1" + String(repeating: "}", count: 5_000),
                  ["--model", "nests", "levels deep"]),
        modelCase("nested too deep (a crash before)", "a: " + String(repeating: "[", count: 20_000) + String(repeating: "]", count: 20_000),
                  ["--model", "nests", "levels deep"]),
        Case(name: "an endless file", file: nil, arguments: ["train", "--model", "/dev/zero", "--cluster", "dgx-h100-8"],
             mentions: ["/dev/zero", "--model", "larger than 16 MiB"]),
        Case(name: "a file that does not exist in a runs argument", file: nil, arguments: ["validate", "DIR/none.yaml"], mentions: ["RUNS", "does not exist"]),
    ]

    static func clusterCase(_ name: String, _ file: String, _ mentions: [String]) -> Case {
        Case(name: name, file: file, arguments: ["train", "--model", "llama3-8b", "--cluster", "BAD"], mentions: mentions)
    }

    static let h100 = "name: x\ngpu: h100-sxm5-80gb\nnodes: 1\ngpus_per_node: 8\n"

    static let clusterCases: [Case] = [
        clusterCase("nodes missing", "name: x\ngpu: h100-sxm5-80gb\n", ["nodes", "is missing"]),
        clusterCase("zero GPUs per node", "name: x\ngpu: h100-sxm5-80gb\nnodes: 1\ngpus_per_node: 0\n", ["bad.yaml:4", "gpus_per_node", "whole number from 1"]),
        clusterCase("zero NVLink bandwidth", h100 + "intra_node_GBps: 0\n", ["bad.yaml:5", "intra_node_GBps", "positive", "GB/s"]),
        clusterCase("negative latency", h100 + "inter_node_latency_us: -5\n", ["inter_node_latency_us", "positive", "microseconds"]),
        clusterCase("1e300 latency (a crash before)", "name: x\ngpu: h100-sxm5-80gb\nnodes: 2\ninter_node_latency_us: 1e300\n",
                    ["inter_node_latency_us", "from 0.001 to 1000000"]),
        clusterCase("price as text", h100 + "usd_per_gpu_hour: $2.50\n", ["usd_per_gpu_hour", "must be a plain number like", "$2.50"]),
        clusterCase("NVLink domain neither divides nor multiplies", h100 + "nvlink_domain_gpus: 3\n",
                    ["bad.yaml:5", "nvlink_domain_gpus", "neither divides nor is a multiple", "gpus_per_node 8"]),
        clusterCase("groups empty", "name: x\ngroups: []\n", ["bad.yaml:2", "groups", "is empty", "gpu, nodes"]),
        clusterCase("group without gpu", "name: x\ngroups:\n  - nodes: 1\n    gpus_per_node: 8\n", ["groups[0].gpu", "is missing", "h100-sxm5-80gb"]),
        clusterCase("unknown gpu in a group", "name: x\ngroups:\n  - gpu: h100-sxm5-80gb\n    nodes: 1\n  - gpu: h999\n    nodes: 1\n",
                    ["bad.yaml:5", "groups[1].gpu", "'h999'", "a100-sxm4-80gb"]),
        clusterCase("gpu names a path", "gpu: ../models/llama3-8b\nnodes: 1\n", ["gpu", "not a known hardware profile"]),
        clusterCase("more GPUs than any cluster", "name: x\ngpu: h100-sxm5-80gb\nnodes: 1000000\n", ["nodes", "8000000 GPUs", "262144"]),
    ]

    static func inline(_ lines: String) -> String {
        "name: x\nnodes: 1\ngpu:\n" + lines.split(separator: "\n").map { "  \($0)" }.joined(separator: "\n") + "\n"
    }

    static let profile = "memory_GiB: 80\nmemory_TBps: 3.35\nlink_GBps_one_direction: 450\nnic_Gbps_per_gpu_one_direction: 400"

    static let profileCases: [Case] = [
        clusterCase("inline profile without peaks", inline(profile), ["gpu.dense_peak_TFLOPS", "is missing", "dense"]),
        clusterCase("negative peak", inline("dense_peak_TFLOPS: {bf16: -989}\n" + profile), ["gpu.dense_peak_TFLOPS.bf16", "positive", "TFLOP/s"]),
        clusterCase("1e300 peaks (a crash before)", inline("dense_peak_TFLOPS: {bf16: 1e300}\n" + profile), ["gpu.dense_peak_TFLOPS.bf16", "10000000"]),
        clusterCase("efficiency above 1", inline("dense_peak_TFLOPS: {bf16: 989}\n" + profile + "\nefficiency: {gemm_max: 1.5}"),
                    ["gpu.efficiency.gemm_max", "from 0.001 to 1", "fraction"]),
        clusterCase("1e308 memory (a crash before, found by Fuzz/)", inline("dense_peak_TFLOPS: {bf16: 989}\n" + profile.replacingOccurrences(of: "memory_GiB: 80", with: "memory_GiB: 1e308")),
                    ["gpu.memory_GiB", "1000000"]),
        clusterCase("1e-300 network efficiency (a crash before, found by Fuzz/)", inline("dense_peak_TFLOPS: {bf16: 989}\n" + profile + "\nefficiency: {network: 1e-300}"),
                    ["gpu.efficiency.network", "from 0.001 to 1"]),
        clusterCase("memory below the runtime reserve", inline("dense_peak_TFLOPS: {bf16: 989}\n" + profile.replacingOccurrences(of: "memory_GiB: 80", with: "memory_GiB: 1")),
                    ["gpu.memory_GiB", "from 3", "reserved"]),
    ]

    static let dgx8 = ["--model", "llama3-8b", "--cluster", "dgx-h100-8"]
    static func evaluate(_ extra: [String]) -> [String] { ["evaluate"] + dgx8 + ["--tp", "1", "--pp", "1", "--dp", "8", "--mbs", "1"] + extra }

    /// Flags that parse but mean nothing: exit 1 with the flag named (not ArgumentParser's 64).
    static let flagCases: [Case] = [
        Case(name: "--global-batch 0", file: nil, arguments: ["train"] + dgx8 + ["--global-batch", "0"], mentions: ["--global-batch", "from 1"]),
        Case(name: "--global-batch Int.max (a hang before)", file: nil, arguments: ["train"] + dgx8 + ["--global-batch", "9223372036854775807"],
             mentions: ["--global-batch", "10000000"]),
        Case(name: "--seq-len 0", file: nil, arguments: ["train"] + dgx8 + ["--seq-len", "0"], mentions: ["--seq-len", "from 1"]),
        Case(name: "--top 0", file: nil, arguments: ["train"] + dgx8 + ["--top", "0"], mentions: ["--top", "from 1 to 50"]),
        Case(name: "--precision empty", file: nil, arguments: ["train"] + dgx8 + ["--precision", ""], mentions: ["--precision", "is empty", "bf16"]),
        Case(name: "--time-limit 0", file: nil, arguments: ["train"] + dgx8 + ["--time-limit", "0"], mentions: ["--time-limit", "3600"]),
        Case(name: "--vpp with microbatches not a multiple of pp", file: nil,
             arguments: ["evaluate"] + dgx8 + ["--global-batch", "12", "--tp", "1", "--pp", "4", "--dp", "2", "--mbs", "1", "--vpp", "2"],
             mentions: ["--vpp", "multiple of pp"]),
        Case(name: "--cp not dividing the sequence", file: nil,
             arguments: ["evaluate"] + dgx8 + ["--seq-len", "8190", "--tp", "1", "--pp", "1", "--dp", "2", "--cp", "4", "--mbs", "1"],
             mentions: ["--cp", "does not divide the sequence length 8190"]),
        Case(name: "--ep on a dense model", file: nil, arguments: evaluate(["--ep", "2"]), mentions: ["--ep", "dense model"]),
        Case(name: "--zero 5", file: nil, arguments: evaluate(["--zero", "5"]), mentions: ["--zero", "0, 1, 2 or 3"]),
        Case(name: "--recompute-layers=-1", file: nil, arguments: evaluate(["--recompute-layers=-1"]), mentions: ["--recompute-layers", "0 or more"]),
        Case(name: "--tp near Int.max (a crash before)", file: nil,
             arguments: ["evaluate"] + dgx8 + ["--tp", "4611686018427387904", "--pp", "2", "--dp", "1", "--mbs", "1"], mentions: ["--tp", "exceeds", "8 devices"]),
        Case(name: "--mbs beyond the batch", file: nil, arguments: ["evaluate"] + dgx8 + ["--tp", "1", "--pp", "1", "--dp", "8", "--mbs", "1000000"],
             mentions: ["--mbs", "exceed the global batch"]),
        Case(name: "--out into a directory that does not exist", file: nil, arguments: ["train"] + dgx8 + ["--out", "DIR/missing/plan.json"],
             mentions: ["--out", "does not exist"]),
        Case(name: "--out is a directory", file: nil, arguments: ["evaluate"] + dgx8 + ["--tp", "1", "--pp", "1", "--dp", "8", "--mbs", "1", "--out", "DIR"],
             mentions: ["--out", "is a directory"]),
        Case(name: "runs file with an impossible degree", file: """
            runs:
            - id: bad
              model: {num_hidden_layers: 2, hidden_size: 64, num_attention_heads: 4, vocab_size: 100}
              cluster: {gpu: h100-sxm5-80gb, nodes: 1}
              config: {tp: 100000000, pp: 100000000, dp: 1, mbs: 1, global_batch: 8, seq_len: 128}
              measured: {tokens_per_second_per_gpu: 1000}
            """, arguments: ["validate", "BAD"], mentions: ["bad.yaml:5", "runs[0].config.tp", "exceeds"]),
    ]

    @Test(arguments: cases)
    func rejected(_ c: Case) throws {
        let directory = try Binary.scratch()
        let path = directory.appendingPathComponent("bad.yaml")
        if let file = c.file { try file.write(to: path, atomically: true, encoding: .utf8) }
        if let bytes = c.bytes { try Data(bytes).write(to: path) }
        var arguments = c.arguments.map {
            $0 == "BAD" ? path.path : $0.hasPrefix("DIR") ? directory.path + $0.dropFirst(3) : $0
        }
        let out = directory.appendingPathComponent("existing.json")
        try Data("keep me\n".utf8).write(to: out)
        if !arguments.contains("--out") { arguments += ["--out", out.path] }
        let result = try Binary.run(arguments)
        #expect(result.status == 1, "\(c): status \(result.status), \(result.stderr)")
        #expect(result.stdout.isEmpty, "\(c)")
        for text in c.mentions {
            #expect(result.stderr.contains(text), "\(c): '\(text)' not in: \(result.stderr)")
        }
        #expect(try String(contentsOf: out, encoding: .utf8) == "keep me\n", "\(c): --out was touched")
        #expect(result.stderr.split(separator: "\n").count <= 2, "\(c): message is not one clear line: \(result.stderr)")
    }

    /// Every crash or message finding the fuzzer saved (Fuzz/crashes/*/README, "reproduce:" line) now
    /// answers with one clear line and exit status 1, or with a plan. A record whose README has an
    /// "open:" line is a known, not yet fixed bug in another module: a known issue until it is fixed
    /// (then Swift Testing reports the known issue missing, and the "open:" line comes out).
    /// Slow-search records (`hang-*`) are for `make fuzz`, not the test suite.
    @Test func fuzzFindingsStayFixed() throws {
        let folder = Binary.root.appendingPathComponent("Fuzz/crashes")
        let findings = (try? FileManager.default.contentsOfDirectory(atPath: folder.path))?.sorted() ?? []
        #expect(!findings.isEmpty, "no Fuzz/crashes/ records found")
        for finding in findings where !finding.hasPrefix("hang-") {
            guard let readme = try? String(contentsOf: folder.appendingPathComponent("\(finding)/README"), encoding: .utf8),
                  let line = readme.split(separator: "\n").first(where: { $0.hasPrefix("reproduce: .build/release/plan ") })
            else { continue }
            let arguments = line.dropFirst("reproduce: .build/release/plan ".count).split(separator: " ").map(String.init)
            let result = try Binary.run(arguments)
            let check = {
                #expect(result.status == 0 || result.status == 1, "\(finding): status \(result.status), \(result.stderr.prefix(300))")
                if result.status == 1 {
                    #expect(result.stdout.isEmpty, "\(finding)")
                    #expect(result.stderr.split(separator: "\n").count == 1, "\(finding): \(result.stderr)")
                }
            }
            if readme.contains("\nopen: ") {
                withKnownIssue("\(finding) is open (see its README)") { check() }
            } else {
                check()
            }
        }
    }

    /// Malformed command lines keep ArgumentParser's usage status 64 (README, docs/bad-inputs.md),
    /// with the same guarantees: nothing on standard output, --out untouched.
    @Test(arguments: [
        (["train", "--global-batch", "lots"], "--global-batch"),
        (["train", "--global-batch", "-5"], "--global-batch"),
        (["train", "--format", "xml"], "--format"),
        (["train", "--no-such-flag"], "--no-such-flag"),
        (["evaluate", "--model", "llama3-8b", "--cluster", "dgx-h100-8", "--pp", "1", "--dp", "8", "--mbs", "1"], "--tp"),
        (["evaluate", "--model", "llama3-8b", "--cluster", "dgx-h100-8", "--tp", "1", "--pp", "1", "--dp", "8", "--mbs", "1", "--sp", "--no-sp"], "--no-sp"),
    ])
    func usageErrors(arguments: [String], flag: String) throws {
        let directory = try Binary.scratch()
        let out = directory.appendingPathComponent("existing.json")
        try Data("keep me\n".utf8).write(to: out)
        let result = try Binary.run(arguments + ["--out", out.path])
        #expect(result.status == 64, "\(arguments): status \(result.status), \(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains(flag), "\(result.stderr)")
        #expect(try String(contentsOf: out, encoding: .utf8) == "keep me\n")
    }

    /// Not bad input: a config.json saved with a UTF-8 byte-order mark, or with CRLF line endings
    /// (Windows editors), plans exactly as the plain file does.
    @Test(arguments: ["bom", "crlf"])
    func byteOrderMarkAndCRLFWork(_ variant: String) throws {
        let original = try String(contentsOf: Binary.root.appendingPathComponent("Tests/Fixtures/gpt2-xl-config.json"), encoding: .utf8)
        let text = variant == "bom" ? "\u{FEFF}" + original : original.replacingOccurrences(of: "\n", with: "\r\n")
        let path = try Binary.scratch().appendingPathComponent("gpt2-xl-config.json")
        try Data(text.utf8).write(to: path)
        let arguments = ["--cluster", "dgx-a100-8", "--global-batch", "64", "--format", "table"]
        let changed = try Binary.run(["train", "--model", path.path] + arguments)
        let plain = try Binary.run(["train", "--model", "Tests/Fixtures/gpt2-xl-config.json"] + arguments)
        #expect(changed.status == 0, "\(changed.stderr)")
        #expect(changed.text.split(separator: "\n").filter { !$0.hasPrefix("solver") }
                == plain.text.split(separator: "\n").filter { !$0.hasPrefix("solver") })
    }
}
