import Foundation
import Testing

/// Bad input on the command line gets one clear message naming the flag (or file) and the fix, exit
/// status 1, nothing on standard output, and an existing --out file left untouched: the flags `plan`
/// checks itself (ArgumentParser options that parse but mean nothing, --out, combinations), and two bad
/// files as the binary reports them. Bad file contents are checked in process, where the loaders
/// throw, in Tests/PlanFilesTests/BadFileTests.swift.
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
        var description: String { name }
    }

    static let dgx8 = ["--model", "llama3-8b", "--cluster", "dgx-h100-8"]
    /// `plan evaluate` of llama3-8b on 8 GPUs with `degrees` and `extra` flags.
    static func evaluate(_ degrees: [String], with extra: [String] = []) -> [String] {
        ["evaluate"] + dgx8 + extra + degrees
    }
    /// `plan evaluate` of llama3-8b on 8 GPUs, data parallel, with `extra` flags.
    static func dataParallel(_ extra: [String]) -> [String] {
        evaluate(["--tp", "1", "--pp", "1", "--dp", "8", "--mbs", "1"], with: extra)
    }

    /// Degrees, precisions and the search's answer, checked by `plan evaluate` and `plan train`.
    static let commandCases: [Case] = [
        Case(
            name: "tp does not divide heads", file: nil,
            arguments: evaluate(["--tp", "3", "--pp", "1", "--dp", "1", "--mbs", "1"]),
            mentions: ["--tp", "does not divide"]),
        Case(
            name: "degrees do not multiply to devices", file: nil,
            arguments: evaluate(["--tp", "2", "--pp", "2", "--dp", "1", "--mbs", "1"]), mentions: ["--dp", "8"]),
        Case(
            name: "batch does not split into microbatches", file: nil,
            arguments: dataParallel(["--global-batch", "100"]),
            mentions: ["--mbs", "100"]),
        Case(
            name: "more stages than layers", file: nil,
            arguments: [
                "evaluate", "--model", "gpt3-125m", "--cluster", "dgx-h100-64",
                "--tp", "1", "--pp", "64", "--dp", "1", "--mbs", "1",
            ],
            mentions: ["--pp", "12 layers"]),
        Case(
            name: "unknown precision", file: nil, arguments: ["train"] + dgx8 + ["--precision", "bf17"],
            mentions: ["--precision", "bf17"]),
        Case(
            name: "fp8 on a device without it", file: nil,
            arguments: ["train", "--model", "llama3-8b", "--cluster", "dgx-a100-8", "--precision", "fp8"],
            mentions: ["--precision", "fp8", "a100"]),
        Case(
            name: "model that fits nowhere", file: nil,
            arguments: ["train", "--model", "llama3.1-405b", "--cluster", "dgx-h100-8"],
            mentions: ["no configuration fits", "855.6 GiB per device", "it fits on 192 h100-sxm5-80gb"]),
    ]

    /// Flags that parse but mean nothing: exit 1 with the flag named (not ArgumentParser's 64).
    static let flagCases: [Case] = [
        Case(
            name: "--global-batch 0", file: nil, arguments: ["train"] + dgx8 + ["--global-batch", "0"],
            mentions: ["--global-batch", "from 1"]),
        Case(
            name: "--global-batch Int.max (a hang before)", file: nil,
            arguments: ["train"] + dgx8 + ["--global-batch", "9223372036854775807"],
            mentions: ["--global-batch", "10000000"]),
        Case(
            name: "--seq-len 0", file: nil, arguments: ["train"] + dgx8 + ["--seq-len", "0"],
            mentions: ["--seq-len", "from 1"]),
        Case(
            name: "--top 0", file: nil, arguments: ["train"] + dgx8 + ["--top", "0"],
            mentions: ["--top", "from 1 to 50"]),
        Case(
            name: "--precision empty", file: nil, arguments: ["train"] + dgx8 + ["--precision", ""],
            mentions: ["--precision", "is empty", "bf16"]),
        Case(
            name: "--time-limit 0", file: nil, arguments: ["train"] + dgx8 + ["--time-limit", "0"],
            mentions: ["--time-limit", "3600"]),
        Case(
            name: "--vpp with microbatches not a multiple of pp", file: nil,
            arguments: evaluate(
                ["--tp", "1", "--pp", "4", "--dp", "2", "--mbs", "1", "--vpp", "2"],
                with: ["--global-batch", "12"]),
            mentions: ["--vpp", "multiple of pp"]),
        Case(
            name: "--cp not dividing the sequence", file: nil,
            arguments: evaluate(
                ["--tp", "1", "--pp", "1", "--dp", "2", "--cp", "4", "--mbs", "1"],
                with: ["--seq-len", "8190"]),
            mentions: ["--cp", "does not divide the sequence length 8190"]),
        Case(
            name: "--ep on a dense model", file: nil, arguments: dataParallel(["--ep", "2"]),
            mentions: ["--ep", "dense model"]),
        Case(
            name: "--zero 5", file: nil, arguments: dataParallel(["--zero", "5"]),
            mentions: ["--zero", "0, 1, 2 or 3"]),
        Case(
            name: "--recompute-layers=-1", file: nil, arguments: dataParallel(["--recompute-layers=-1"]),
            mentions: ["--recompute-layers", "0 or more"]),
        Case(
            name: "--tp near Int.max (a crash before)", file: nil,
            arguments: evaluate(["--tp", "4611686018427387904", "--pp", "2", "--dp", "1", "--mbs", "1"]),
            mentions: ["--tp", "exceeds", "8 devices"]),
        Case(
            name: "--mbs beyond the batch", file: nil,
            arguments: evaluate(["--tp", "1", "--pp", "1", "--dp", "8", "--mbs", "1000000"]),
            mentions: ["--mbs", "exceed the global batch"]),
        Case(
            name: "--out into a directory that does not exist", file: nil,
            arguments: ["train"] + dgx8 + ["--out", "DIR/missing/plan.json"], mentions: ["--out", "does not exist"]),
        Case(
            name: "--out is a directory", file: nil, arguments: dataParallel(["--out", "DIR"]),
            mentions: ["--out", "is a directory"]),
    ]

    /// Bad files as the binary reports them (each also in Tests/PlanFilesTests/BadFileTests.swift): the
    /// loader's message, on one line of standard error.
    static let fileCases: [Case] = [
        Case(
            name: "text for a number",
            file: "num_hidden_layers: 32\nhidden_size: 4096\nnum_attention_heads: 32\n"
                + "num_key_value_heads: 8\nintermediate_size: 14336\nvocab_size: lots\nhidden_act: silu\n",
            arguments: ["train", "--model", "BAD", "--cluster", "dgx-h100-8"],
            mentions: ["bad.yaml:6", "vocab_size", "'lots'"]),
        Case(
            name: "runs file with an impossible degree",
            file: """
                runs:
                - id: bad
                  model: {num_hidden_layers: 2, hidden_size: 64, num_attention_heads: 4, vocab_size: 100}
                  cluster: {gpu: h100-sxm5-80gb, nodes: 1}
                  config: {tp: 100000000, pp: 100000000, dp: 1, mbs: 1, global_batch: 8, seq_len: 128}
                  measured: {tokens_per_second_per_gpu: 1000}
                """, arguments: ["validate", "BAD"], mentions: ["bad.yaml:5", "runs[0].config.tp", "exceeds"]),
    ]

    static let cases = commandCases + flagCases + fileCases

    @Test(arguments: cases)
    func rejected(_ c: Case) throws {
        let directory = try Binary.scratch()
        let path = directory.appendingPathComponent("bad.yaml")
        if let file = c.file { try file.write(to: path, atomically: true, encoding: .utf8) }
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
        #expect(result.stderr.split(separator: "\n").count == 1, "\(c): message is not one line: \(result.stderr)")
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
            guard
                let readme = try? String(
                    contentsOf: folder.appendingPathComponent("\(finding)/README"), encoding: .utf8),
                let line = readme.split(separator: "\n").first(where: {
                    $0.hasPrefix("reproduce: .build/release/plan ")
                })
            else { continue }
            let arguments = line.dropFirst("reproduce: .build/release/plan ".count).split(separator: " ").map(
                String.init)
            let result = try Binary.run(arguments)
            let check = {
                #expect(
                    result.status == 0 || result.status == 1,
                    "\(finding): status \(result.status), \(result.stderr.prefix(300))")
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
        (
            ["evaluate", "--model", "llama3-8b", "--cluster", "dgx-h100-8", "--pp", "1", "--dp", "8", "--mbs", "1"],
            "--tp"
        ),
        (
            [
                "evaluate", "--model", "llama3-8b", "--cluster", "dgx-h100-8", "--tp", "1", "--pp", "1", "--dp", "8",
                "--mbs", "1", "--sp", "--no-sp",
            ], "--no-sp"
        ),
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
        let original = try String(
            contentsOf: Binary.root.appendingPathComponent("Tests/Fixtures/gpt2-xl-config.json"), encoding: .utf8)
        let text = variant == "bom" ? "\u{FEFF}" + original : original.replacingOccurrences(of: "\n", with: "\r\n")
        let path = try Binary.scratch().appendingPathComponent("gpt2-xl-config.json")
        try Data(text.utf8).write(to: path)
        let arguments = ["--cluster", "dgx-a100-8", "--global-batch", "64", "--format", "table"]
        let changed = try Binary.run(["train", "--model", path.path] + arguments)
        let plain = try Binary.run(["train", "--model", "Tests/Fixtures/gpt2-xl-config.json"] + arguments)
        #expect(changed.status == 0, "\(changed.stderr)")
        #expect(
            changed.text.split(separator: "\n").filter { !$0.hasPrefix("solver") }
                == plain.text.split(separator: "\n").filter { !$0.hasPrefix("solver") })
    }
}
