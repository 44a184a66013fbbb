import Foundation
import Launchers
import PlanFiles
import Testing

/// `plan export --to torchtitan-0.3`: the argument list bash hands a stand-in `torchrun` (options after
/// `-m torchtitan.train`), key by key. Scripts/check-launchers feeds the same line to torchtitan 0.3.0's
/// own ConfigManager.
struct Torchtitan03ExportTests {
    /// The words after `-m torchtitan.train`, as `--key` → values, and the activation-checkpoint subcommand.
    static func options(_ request: PlanRequest) throws -> (options: [String: [String]], subcommand: String?) {
        let directory = try Plans.scratch()
        let (path, _) = try Plans.write(request, in: directory)
        let out = directory.appendingPathComponent("out")
        try Plans.export(path, as: .torchtitan03).write(into: out.path)
        let calls = try QuotingTests.runWithStandIns(
            out.appendingPathComponent("launch.sh"), environment: ["NODE_RANK": "0"])
        let words = calls.first { $0.program == "torchrun" }?.words ?? []
        #expect(words.starts(with: ["--nnodes"]))
        let start = (words.firstIndex(of: "torchtitan.train") ?? words.count - 1) + 1
        var options: [String: [String]] = [:], current: String?, subcommand: String?
        for word in words[start...] {
            if word.hasPrefix("--") {
                current = word
                options[word, default: []] = []
            } else if word.hasPrefix("activation-checkpoint:") {
                subcommand = word
                current = nil
            } else if let key = current {
                options[key, default: []].append(word)
            } else {
                Issue.record("stray argument \(word)")
            }
        }
        return (options, subcommand)
    }

    @Test func denseLlama3_8BPlan() throws {
        let (options, subcommand) = try Self.options(ExportTests.small)
        let expected: [String: [String]] = [
            "--module": ["llama3"], "--config": ["llama3_8b"], "--hf_assets_path": ["./assets/hf/Meta-Llama-3-8B"],
            "--training.local_batch_size": ["1"], "--training.global_batch_size": ["128"],
            "--training.seq_len": ["8192"], "--training.mixed_precision_param": ["bfloat16"],
            "--parallelism.data_parallel_replicate_degree": ["1"], "--parallelism.data_parallel_shard_degree": ["8"],
            "--parallelism.fsdp_reshard_after_forward": ["never"], "--parallelism.tensor_parallel_degree": ["1"],
            "--parallelism.pipeline_parallel_degree": ["1"], "--parallelism.pipeline_parallel_microbatch_size": ["1"],
            "--parallelism.context_parallel_degree": ["1"], "--parallelism.expert_parallel_degree": ["1"],
        ]
        #expect(options == expected)
        #expect(subcommand == "activation-checkpoint:none")
    }

    /// Interleaved, uneven chunks: module_fqns_per_model_part is one comma-joined argument per chunk,
    /// the chunks and the recompute mode those of the 0.2 export of the same plan.
    @Test func pipelinePlan() throws {
        let directory = try Plans.scratch()
        let (path, _) = try Plans.write(ExportTests.interleavedTorchtitan, in: directory)
        let toml = try TOMLSubset.parse(try Plans.export(path, as: .torchtitan).text)
        let (options, subcommand) = try Self.options(ExportTests.interleavedTorchtitan)
        #expect(options["--config"] == ["llama3_70b"])
        #expect(options["--parallelism.tensor_parallel_degree"] == ["4"])
        #expect(options["--parallelism.pipeline_parallel_degree"] == ["4"])
        #expect(options["--parallelism.data_parallel_shard_degree"] == ["4"])
        #expect(options["--parallelism.pipeline_parallel_schedule"] == ["Interleaved1F1B"])
        #expect(options["--parallelism.pipeline_parallel_microbatch_size"] == ["1"])
        #expect(options["--training.local_batch_size"] == ["32"])
        #expect(options["--training.global_batch_size"] == ["128"])
        #expect(options["--training.disable_cuda_graphs"] == [])
        let mode = toml["activation_checkpoint"]?["mode"] as? String ?? "?"
        #expect(subcommand == "activation-checkpoint:\(mode)")
        let chunks = (options["--parallelism.module_fqns_per_model_part"] ?? []).map {
            $0.split(separator: ",").map(String.init)
        }
        #expect(chunks.count == 8)
        #expect(chunks == toml["parallelism"]?["module_fqns_per_model_part"] as? [[String]])
        #expect(chunks.first?.first == "tok_embeddings" && chunks.last?.suffix(2) == ["norm", "output"])
        let names = chunks.flatMap { $0.filter { $0.hasPrefix("layers.") } }
        #expect(names == (0..<80).map { "layers.\($0)" })
    }

    /// A flavor whose 0.3.0 config function trains another precision is refused, naming the key.
    @Test func fp8Llama3_70BIsRefused() throws {
        let request = PlanRequest.evaluate(
            .init(
                model: "llama3-70b", cluster: "dgx-h100-64", tp: 4, pp: 4, dp: 4, mbs: 1, recompute: .full,
                precision: .fp8))
        let directory = try Plans.scratch()
        let (path, _) = try Plans.write(request, in: directory)
        let message = ExportTests.refusal { _ = try Plans.export(path, as: .torchtitan03) }
        #expect(message.contains("precision") && message.contains("0.3.0"), "\(message)")
    }
}
