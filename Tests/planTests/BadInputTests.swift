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
        /// Arguments; "BAD" stands for the scratch file's path.
        var arguments: [String]
        /// Text the message must contain (the key or flag, and the fix).
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
    ]

    @Test(arguments: cases)
    func rejected(_ c: Case) throws {
        let directory = try Binary.scratch()
        var arguments = c.arguments
        if let file = c.file {
            let path = directory.appendingPathComponent("bad.yaml")
            try file.write(to: path, atomically: true, encoding: .utf8)
            arguments = arguments.map { $0 == "BAD" ? path.path : $0 }
        }
        let out = directory.appendingPathComponent("existing.json")
        try Data("keep me\n".utf8).write(to: out)
        let result = try Binary.run(arguments + ["--out", out.path])
        #expect(result.status == 1, "\(c): status \(result.status), \(result.stderr)")
        #expect(result.stdout.isEmpty, "\(c)")
        for text in c.mentions {
            #expect(result.stderr.contains(text), "\(c): '\(text)' not in: \(result.stderr)")
        }
        #expect(try String(contentsOf: out, encoding: .utf8) == "keep me\n", "\(c): --out was touched")
        #expect(result.stderr.split(separator: "\n").count <= 2, "\(c): message is not one clear line: \(result.stderr)")
    }
}
