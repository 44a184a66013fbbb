import Foundation
import Testing

/// The binary as a careless or hostile user meets it: `--out` that lands on something that is not a
/// plain new file, standard input as a file, near-miss keys, mixed clusters in the header.
struct HardeningEndToEndTests {
    static let train = ["train", "--model", "gpt3-125m", "--cluster", "dgx-h100-8", "--format", "table"]

    /// Runs `script` with bash in the checkout, `PLAN` naming the binary.
    static func bash(_ script: String) throws -> Subprocess.Output {
        try Subprocess.run(
            URL(fileURLWithPath: "/bin/bash"), ["-c", script],
            environment: ProcessInfo.processInfo.environment.merging(["PLAN": Binary.url.path]) { $1 },
            directory: Binary.root)
    }

    static func refused(_ out: String, _ mentions: [String], arguments: [String] = train) throws {
        let result = try Binary.run(arguments + ["--out", out])
        #expect(result.status == 1, "\(out): \(result.stderr)")
        #expect(result.stdout.isEmpty)
        for text in mentions { #expect(result.stderr.contains(text), "\(out): '\(text)' not in \(result.stderr)") }
    }

    @Test func outNeverReplacesAnInput() throws {
        let directory = try Binary.scratch()
        let model = directory.appendingPathComponent("model.yaml")
        let original = try Data(contentsOf: Binary.root.appendingPathComponent("models/gpt3-125m.yaml"))
        try original.write(to: model)
        let arguments = ["train", "--model", model.path, "--cluster", "dgx-h100-8"]
        try Self.refused(
            model.path, ["'--out'", "is a file this command reads", "write the result elsewhere"], arguments: arguments)
        // Through a link to the input, and a bundled name's file, too.
        let link = directory.appendingPathComponent("link.yaml")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: model)
        try Self.refused(link.path, ["is a file this command reads"], arguments: arguments)
        try Self.refused(
            "models/gpt3-125m.yaml", ["is a file this command reads"],
            arguments: ["train", "--model", "gpt3-125m", "--cluster", "dgx-h100-8"])
        #expect(try Data(contentsOf: model) == original)
        let exported = directory.appendingPathComponent("plan.json")
        #expect(try Binary.run(arguments + ["--out", exported.path]).status == 0)
        try Self.refused(
            exported.path, ["is a file this command reads"], arguments: ["export", "--to", "megatron", exported.path])
    }

    @Test func outRefusesWhatIsNotARegularFile() throws {
        let directory = try Binary.scratch()
        try Self.refused(directory.path, ["is a directory"])
        try Self.refused("/dev/null", ["is a device, not a file"])
        let fifo = directory.appendingPathComponent("fifo").path
        #expect(try Subprocess.run(URL(fileURLWithPath: "/usr/bin/mkfifo"), [fifo]).status == 0)
        try Self.refused(fifo, ["is a FIFO"])
        let a = directory.appendingPathComponent("a").path, b = directory.appendingPathComponent("b").path
        try FileManager.default.createSymbolicLink(atPath: a, withDestinationPath: b)
        try FileManager.default.createSymbolicLink(atPath: b, withDestinationPath: a)
        try Self.refused(a, ["is a loop of symbolic links"])
        // `/dev/stdout` on a pipe leads to /proc/self/fd/pipe:[…].
        let piped = try Self.bash("\"$PLAN\" train --model gpt3-125m --cluster dgx-h100-8 --out /dev/stdout | cat")
        #expect(piped.status == 0)  // the status of `cat`; what matters is what plan printed
        #expect(String(decoding: piped.stderr, as: UTF8.self).contains("not a regular file"))
        #expect(piped.stdout.isEmpty)
        #expect(FileManager.default.fileExists(atPath: "/dev/null"))
    }

    /// A link is followed: its target gets the plan and the link stays a link (README, "Output").
    @Test func outThroughALinkWritesItsTarget() throws {
        let directory = try Binary.scratch()
        let target = directory.appendingPathComponent("real.txt"), link = directory.appendingPathComponent("link.txt")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
        let result = try Binary.run(Self.train + ["--out", link.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == target.path)
        #expect(try String(contentsOf: target, encoding: .utf8).hasPrefix("gpt3-125m (0.1B parameters)"))
    }

    @Test func modelAndClusterFromStandardInput() throws {
        let model = try Self.bash(
            "\"$PLAN\" train --model - --cluster dgx-h100-8 --format table < models/gpt3-125m.yaml")
        #expect(model.status == 0, "\(String(decoding: model.stderr, as: UTF8.self))")
        #expect(String(decoding: model.stdout, as: UTF8.self).hasPrefix("gpt3-125m (0.1B parameters) on dgx-h100-8"))
        let cluster = try Self.bash(
            "\"$PLAN\" train --model gpt3-125m --cluster - --format table < clusters/dgx-h100-8.yaml")
        #expect(String(decoding: cluster.stdout, as: UTF8.self).hasPrefix("gpt3-125m (0.1B parameters) on dgx-h100-8"))
        let both = try Self.bash("\"$PLAN\" train --model - --cluster - < models/gpt3-125m.yaml")
        #expect(both.status == 1)
        #expect(String(decoding: both.stderr, as: UTF8.self).contains("'-' (standard input) is already --model's"))
        let empty = try Self.bash("\"$PLAN\" train --model - < /dev/null")
        #expect(String(decoding: empty.stderr, as: UTF8.self).contains("standard input: '--model': is empty"))
    }

    @Test func nearMissKeyIsWarnedAndThePlanStillComes() throws {
        let path = try Binary.scratch().appendingPathComponent("m.yaml")
        let text = try String(contentsOf: Binary.root.appendingPathComponent("models/llama3-8b.yaml"), encoding: .utf8)
        try Data(text.replacingOccurrences(of: "num_key_value_heads:", with: "num_key_value_head:").utf8).write(
            to: path)
        let result = try Binary.run(["train", "--model", path.path, "--cluster", "dgx-h100-8", "--format", "table"])
        #expect(result.status == 0)
        #expect(
            result.stderr.contains(
                "warning: \(path.path):8: 'num_key_value_head' is not a key plan reads, so it has no effect; did you "
                    + "mean 'num_key_value_heads'?"), "\(result.stderr)")
        // Without the key the model is multi-head: K and V grow from 4096×1024 to 4096×4096 each,
        // 2 · 4096 · 3072 · 32 layers = 0.81e9 more, so 8.03B becomes 8.8B parameters.
        #expect(result.text.hasPrefix("llama3-8b (8.8B parameters)"), "\(result.text.prefix(80))")
    }

    @Test func mixedClusterHeaderNamesEachDeviceType() throws {
        let result = try Binary.run([
            "train", "--model", "llama3-8b", "--cluster", "hetero-a100-h100", "--format", "table",
        ])
        #expect(
            result.text.hasPrefix(
                "llama3-8b (8.0B parameters) on hetero-a100-h100: 32 × h100-sxm5-80gb + 32 × a100-sxm4-80gb"))
        let plan = try Binary.run(["train", "--model", "llama3-8b", "--cluster", "hetero-a100-h100"]).json()
        let groups = (plan["cluster"] as? [String: Any])?["groups"] as? [[String: Any]]
        #expect(groups?.map { $0["gpu"] as? String } == ["h100-sxm5-80gb", "a100-sxm4-80gb"])
    }
}
