import Foundation
import Testing

/// Every message that proposes a fix was checked by the program: here each fix is read from the
/// message, applied, and the command run again must give a plan (exit status 0).
struct CheckedFixTests {
    /// The first match of `pattern`'s capture groups in `text`.
    static func captures(_ pattern: String, in text: String) throws -> [String] {
        let regex = try NSRegularExpression(pattern: pattern)
        let range = NSRange(text.startIndex..., in: text)
        let match = try #require(regex.firstMatch(in: text, range: range), "'\(pattern)' not in: \(text)")
        return (1..<match.numberOfRanges).map { String(text[Range(match.range(at: $0), in: text)!]) }
    }

    static func fails(_ arguments: [String]) throws -> String {
        let result = try Binary.run(arguments)
        #expect(result.status == 1, "\(arguments): \(result.stderr)")
        #expect(result.stdout.isEmpty)
        return result.stderr
    }

    static func succeeds(_ arguments: [String]) throws {
        let result = try Binary.run(arguments)
        #expect(result.status == 0, "\(arguments): \(result.stderr)")
        #expect(!result.stdout.isEmpty)
    }

    static func cluster(_ text: String) throws -> String {
        let path = try Binary.scratch().appendingPathComponent("cluster.yaml")
        try Data(text.utf8).write(to: path)
        return path.path
    }

    @Test func batchThatFits() throws {
        let base = [
            "infer", "--model", "llama3-8b", "--cluster", "dgx-h100-8", "--tp", "1", "--pp", "1", "--replicas", "8",
        ]
        let message = try Self.fails(base + ["--batch", "1000000"])
        let batch = try Self.captures("--batch (\\d+) fits", in: message)[0]
        try Self.succeeds(base + ["--batch", batch])
        // One more sequence than the largest that fits does not.
        _ = try Self.fails(base + ["--batch", String(Int(batch)! + 1)])
    }

    @Test func replicaShapeThatHoldsOneSequence() throws {
        let base = ["infer", "--model", "llama3.1-405b", "--cluster", "dgx-h100-64"]
        let message = try Self.fails(base + ["--tp", "1", "--pp", "1", "--replicas", "8", "--batch", "4"])
        let fix = try Self.captures(
            "--tp (\\d+) --pp (\\d+) holds a batch of 1 \\(up to (\\d+) --replicas", in: message)
        try Self.succeeds(base + ["--tp", fix[0], "--pp", fix[1], "--replicas", fix[2], "--batch", "1"])
    }

    @Test func dataParallelThatCompletesTheProduct() throws {
        let base = [
            "evaluate", "--model", "llama3-8b", "--cluster", "dgx-h100-8", "--tp", "2", "--pp", "2", "--mbs", "1",
        ]
        let dp = try Self.captures("dp = (\\d+) makes it 8", in: try Self.fails(base + ["--dp", "1"]))[0]
        try Self.succeeds(base + ["--dp", dp])
    }

    @Test func contextParallelThatAllowsADataDegree() throws {
        let base = [
            "evaluate", "--model", "llama3-8b", "--cluster", "dgx-h100-8", "--tp", "1", "--pp", "1", "--mbs", "1",
        ]
        let message = try Self.fails(base + ["--cp", "3", "--dp", "1"])
        let choices = try Self.captures("cp must divide 8: ([0-9, ]+)\\)", in: message)[0]
        #expect(choices == "1, 2, 4, 8")
        for cp in choices.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            try Self.succeeds(base + ["--cp", cp, "--dp", String(8 / Int(cp)!), "--recompute", "full"])
        }
    }

    /// When tp·pp does not divide the cluster no dp or cp can help, and the message says so
    /// rather than offering one.
    @Test func noDataDegreeWhenTensorTimesPipelineDoesNotDivide() throws {
        let message = try Self.fails([
            "evaluate", "--model", "llama3-8b", "--cluster", "dgx-h100-8", "--tp", "1", "--pp", "3", "--dp", "1",
            "--mbs", "1",
        ])
        #expect(message.contains("(no dp does with tp·pp = 3, which does not divide 8)"), "\(message)")
    }

    /// A configuration that does not fit memory: the message names the change that makes it fit.
    @Test func recomputeOrZeROThatFits() throws {
        let base = [
            "evaluate", "--model", "llama3-8b", "--cluster", "dgx-h100-8", "--tp", "1", "--pp", "1", "--mbs", "1",
        ]
        let message = try Self.fails(base + ["--dp", "8"])
        let flags = try Self.captures("it fits with ([-a-z0-9 ]+) \\(", in: message)[0]
        #expect(flags == "--recompute full")
        try Self.succeeds(base + ["--dp", "8"] + flags.split(separator: " ").map(String.init))
    }

    /// The CPU offload it offers is the fewest layers that fit: those run, one fewer does not.
    @Test func fewestOffloadedLayersThatFit() throws {
        let base = [
            "evaluate", "--model", "llama3-8b", "--cluster", "dgx-h100-8", "--tp", "1", "--pp", "1", "--mbs", "1",
            "--dp", "8",
        ]
        let message = try Self.fails(base)
        let layers = try Self.captures("or with --cpu-offload-layers (\\d+) \\(", in: message)[0]
        try Self.succeeds(base + ["--cpu-offload-layers", layers])
        let fewer = try Self.fails(base + ["--cpu-offload-layers", "\(Int(layers)! - 1)"])
        #expect(fewer.contains("does not fit"), "\(fewer)")
    }

    @Test func virtualStagesWithoutPipeline() throws {
        let base = [
            "evaluate", "--model", "llama3-8b", "--cluster", "dgx-h100-8", "--tp", "8", "--pp", "1", "--dp", "1",
        ]
        let message = try Self.fails(base + ["--mbs", "1", "--vpp", "7"])
        #expect(message.contains("'--vpp': 7 virtual stages need pipeline parallelism, but pp is 1; use vpp 1"))
        try Self.succeeds(base + ["--mbs", "1", "--vpp", "1"])
    }

    @Test func sweepStartThatStaysOnWholeNodes() throws {
        let base = ["sweep", "--model", "gpt3-125m", "--cluster", "dgx-h100-8", "--to", "32"]
        let message = try Self.fails(base + ["--from", "3"])
        let fixes = try Self.captures("use --from (\\d+) or --from (\\d+)", in: message)
        #expect(fixes == ["2", "4"])
        for from in fixes { try Self.succeeds(base + ["--from", from]) }
    }

    /// Qwen2.5-72B on one 8-GPU H100 node: fp8 needs as much memory, so it is not offered; more
    /// nodes and a larger device are, and both work.
    @Test func moreDevicesOrALargerDevice() throws {
        let base = ["train", "--model", "qwen2.5-72b"]
        let message = try Self.fails(base + ["--cluster", "dgx-h100-8"])
        #expect(!message.contains("fp8"), "\(message)")
        let gpus = try Self.captures("it fits on (\\d+) h100-sxm5-80gb \\(", in: message)[0]
        let nodes = Int(gpus)! / 8
        try Self.succeeds(
            base + ["--cluster", try Self.cluster("gpu: h100-sxm5-80gb\nnodes: \(nodes)\ngpus_per_node: 8\n")])
        let device = try Self.captures("or on (\\d+) ([a-z0-9.-]+) \\(", in: message)
        try Self.succeeds(
            base + ["--cluster", try Self.cluster("gpu: \(device[1])\nnodes: 1\ngpus_per_node: \(device[0])\n")])
    }

    @Test func fp8WhenItHelps() throws {
        // Llama 3 70B fits 16 H100s only in fp8 (its bf16 weights, gradients and optimizer do not).
        let base = [
            "train", "--model", "llama3-70b", "--cluster",
            try Self.cluster(
                "gpu: h100-sxm5-80gb\nnodes: 1\ngpus_per_node: 8\n"),
        ]
        let message = try Self.fails(base)
        if message.contains("--precision fp8") { try Self.succeeds(base + ["--precision", "fp8"]) }
    }

    @Test func globalBatchThatDividesTheCluster() throws {
        let base = ["train", "--model", "gpt3-125m", "--cluster", "dgx-h100-1024"]
        let batch = try Self.captures(
            "--global-batch (\\d+) has plans", in: try Self.fails(base + ["--global-batch", "100"]))[0]
        #expect(batch == "1024")
        try Self.succeeds(base + ["--global-batch", batch])
    }

    @Test func longerTimeLimit() throws {
        let base = ["train", "--model", "llama3-8b", "--cluster", "dgx-h100-8"]
        let limit = try Self.captures(
            "with --time-limit ([0-9.]+) it finds", in: try Self.fails(base + ["--time-limit", "1e-9"]))[0]
        try Self.succeeds(base + ["--time-limit", limit])
    }

    @Test func longSequencesOnMoreDevices() throws {
        let base = ["train", "--model", "llama3-8b", "--seq-len", "1000000"]
        let message = try Self.fails(base + ["--cluster", "dgx-h100-8"])
        // The least memory quoted is one a configuration reaches, above what the device has.
        let needed = Double(try Self.captures("needs ([0-9.]+) GiB per device", in: message)[0])!
        #expect(needed > 73.5)
        let gpus = Int(try Self.captures("it fits on (\\d+) h100-sxm5-80gb", in: message)[0])!
        try Self.succeeds(
            base + ["--cluster", try Self.cluster("gpu: h100-sxm5-80gb\nnodes: \(gpus / 8)\ngpus_per_node: 8\n")])
    }

    /// File fixes: the NVLink domain and bandwidth the message names load, and so does the key
    /// the misspelt one was taken for.
    @Test(arguments: [
        ("nvlink_domain_gpus: 72", "use (\\d+) or fewer", "nvlink_domain_gpus: "),
        ("intra_node_GBps: 900", "give (\\d+) or less", "intra_node_GBps: "),
        ("node: 1", "did you mean '([a-z_]+)'", ""),
    ])
    func clusterFileFix(line: String, pattern: String, replacement: String) throws {
        let base = "name: x\ngpu: h100-sxm5-80gb\ngpus_per_node: 8\n" + (line.hasPrefix("node:") ? "" : "nodes: 1\n")
        let message = try Self.fails([
            "train", "--model", "gpt3-125m", "--cluster", try Self.cluster(base + line + "\n"),
        ])
        let fix = try Self.captures(pattern, in: message)[0]
        let fixed = replacement.isEmpty ? line.replacingOccurrences(of: "node:", with: fix + ":") : replacement + fix
        try Self.succeeds(["train", "--model", "gpt3-125m", "--cluster", try Self.cluster(base + fixed + "\n")])
    }
}
