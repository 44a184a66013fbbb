import Foundation
import Launchers
import PlanFiles
import Testing

/// Values the planner did not write itself reach exported files only through `Quoting` (Sources/Launchers/
/// Quoting.swift): each function is checked against output written out by hand for hostile text (quotes,
/// `$( )`, backticks, line breaks, tabs, terminal escapes, bidirectional overrides, accents and emoji, the
/// empty string) and read back by the real reader (sh and bash, Python's tomllib); then plans whose model,
/// cluster and GPU names, file path and host names are hostile are exported in every format, checked by
/// `bash -n`, run with stand-ins for the launchers (which must receive the names exactly, and nothing
/// in the names may run), and their TOML parsed.
struct QuotingTests {
    /// Text that would break out of a quote, a comment or a line if it reached a file raw.
    static let hostile = [
        "", "plain-name_1.0", "it's", "''", "say \"hi\"", "$(touch /tmp/pwned)", "`touch /tmp/pwned`",
        "a\nb", "a\r\nb", "tab\there", "back\\slash", "$HOME ${PATH} $((1+1))", "* ? [a-z] ~ { } ; & | < > !",
        "Llamá 🦙", "- leading dash", "\u{1B}[31mred\u{1B}[0m", "\u{202E}evil\u{202C}",
    ]

    // MARK: Shell words

    @Test(arguments: [
        ("llama3-8b", "llama3-8b"),
        ("org/name:v1,a=b+c@d%e", "org/name:v1,a=b+c@d%e"),
        ("", "''"),
        ("it's", "'it'\\''s'"),
        ("'", "''\\'''"),
        ("say \"hi\"", "'say \"hi\"'"),
        ("$(touch /tmp/pwned)", "'$(touch /tmp/pwned)'"),
        ("`id`", "'`id`'"),
        ("a\nb", "'a\nb'"),
        ("a\r\tb", "'a\r\tb'"),
        ("Llamá 🦙", "'Llamá 🦙'"),
        ("nœud-0", "'nœud-0'"),
        ("~root", "'~root'"),
        ("a b", "'a b'"),
    ])
    func shellWordsAreQuotedAsWrittenByHand(_ text: String, _ expected: String) {
        #expect(Quoting.shell(text) == expected)
    }

    /// Every hostile text, as a word, is read back by sh and bash as exactly itself.
    @Test(arguments: ["/bin/sh", "/bin/bash"])
    func shellWordsExpandToThemselves(_ shell: String) throws {
        for text in Self.hostile {
            let output = try Subprocess.run(URL(fileURLWithPath: shell), ["-c", "printf %s " + Quoting.shell(text)])
            #expect(output.status == 0, "\(shell): \(String(decoding: output.stderr, as: UTF8.self))")
            #expect(output.stdout == Data(text.utf8), "\(shell) read \(Quoting.shell(text)) back as another text")
        }
    }

    @Test func shellDefaultsKeepTheEnvironmentOrTheValue() throws {
        #expect(Quoting.shellDefault("MASTER_ADDR", "localhost") == "MASTER_ADDR=\"${MASTER_ADDR:-localhost}\"")
        #expect(Quoting.shellDefault("MODEL", "it's $(x)") == "MODEL=${MODEL:-'it'\\''s $(x)'}")
        #expect(Quoting.shellDefault("MODEL", "") == "MODEL=${MODEL:-''}")
        var environment = ProcessInfo.processInfo.environment
        environment["MODEL"] = nil
        for text in Self.hostile {
            let line = Quoting.shellDefault("MODEL", text) + "; printf %s \"$MODEL\""
            let unset = try Subprocess.run(URL(fileURLWithPath: "/bin/bash"), ["-c", line], environment: environment)
            #expect(unset.stdout == Data(text.utf8), "\(line)")
            environment["MODEL"] = "from the environment"
            let set = try Subprocess.run(URL(fileURLWithPath: "/bin/bash"), ["-c", line], environment: environment)
            environment["MODEL"] = nil
            #expect(set.stdout == Data("from the environment".utf8), "\(line)")
        }
    }

    // MARK: TOML basic strings

    @Test(arguments: [
        ("llama3", "\"llama3\""),
        ("", "\"\""),
        ("say \"hi\"", "\"say \\\"hi\\\"\""),
        ("C:\\models\\new", "\"C:\\\\models\\\\new\""),
        ("a\nb\r\tc", "\"a\\nb\\r\\tc\""),
        ("\u{08}\u{0C}", "\"\\b\\f\""),
        ("\u{1B}[31m\u{7F}\u{00}\u{1F}", "\"\\u001B[31m\\u007F\\u0000\\u001F\""),
        ("Llamá 🦙", "\"Llamá 🦙\""),
        ("$(touch /tmp/pwned) `id` 'x'", "\"$(touch /tmp/pwned) `id` 'x'\""),
        ("\u{202E}", "\"\u{202E}\""),
    ])
    func tomlStringsAreEscapedAsWrittenByHand(_ text: String, _ expected: String) {
        #expect(Quoting.toml(text) == expected)
    }

    /// Python's TOML 1.0 reader (tomllib, Python 3.11 and later) reads every hostile text back as itself.
    @Test(.enabled(if: Python.hasTOMLLib))
    func tomlStringsReadBackWithTomllib() throws {
        let directory = try Plans.scratch()
        let file = directory.appendingPathComponent("strings.toml")
        let document = Self.hostile.enumerated().map { "k\($0) = \(Quoting.toml($1))" }.joined(separator: "\n")
        try Data((document + "\n").utf8).write(to: file)
        let values = try Python.tomlAsJSON(file) as? [String: String] ?? [:]
        for (index, text) in Self.hostile.enumerated() {
            #expect(values["k\(index)"] == text, "k\(index) = \(Quoting.toml(text))")
        }
    }

    // MARK: Text shown to people

    @Test(arguments: [
        ("llama3-8b", "llama3-8b"),
        ("Llamá 🦙 'q' \"d\" \\ $(x) `y`", "Llamá 🦙 'q' \"d\" \\ $(x) `y`"),
        ("a\nb", "a\\nb"),
        ("\r\t\u{00}", "\\r\\t\\0"),
        ("\u{1B}[2J", "\\u{1B}[2J"),
        ("\u{7F}\u{85}\u{9B}", "\\u{7F}\\u{0085}\\u{009B}"),
        ("x\u{2028}y\u{2029}", "x\\u{2028}y\\u{2029}"),
        ("\u{202E}abc\u{202C}", "\\u{202E}abc\\u{202C}"),
        ("\u{2066}\u{2067}\u{2068}\u{2069}", "\\u{2066}\\u{2067}\\u{2068}\\u{2069}"),
        ("\u{200F}\u{061C}", "\\u{200F}\\u{061C}"),
    ])
    func shownTextEscapesWhatHidesText(_ text: String, _ expected: String) {
        #expect(DisplayText.escaped(text) == expected)
        #expect(Quoting.comment(text) == expected, "comments are escaped as tables are")
    }

    // MARK: Exports of hostile plans

    /// Names that try every way out of a quote, a comment or a TOML line; each would create `marker`
    /// if any part of it ran.
    static func hostileName(_ what: String, marker: String) -> String {
        "Llamá 🦙 \"\(what)\" it's $(touch \(marker)) `touch \(marker)`\ntouch \(marker)\r\t# \u{202E}x; "
            + "touch \(marker) \\"
    }

    /// Host names `--hosts` accepts (letters of any script, digits, '.', '-', '_') that are no plain
    /// shell words.
    static func hosts(_ count: Int) -> [String] { (0..<count).map { $0 == 0 ? "nœud-0" : "узел_\($0)" } }

    /// `request`'s plan with every name replaced by a hostile one, written to a file whose name is
    /// hostile too (creating `marker`'s file name in the directory a script runs in); returns its path,
    /// the names used and the plan's node count.
    static func hostilePlan(
        _ request: PlanRequest, in directory: URL, marker: String
    ) throws -> (path: String, model: String, cluster: String, gpus: [String: String], nodes: Int) {
        let (_, plan) = try Plans.write(request, in: directory)
        var edited = plan
        let model = hostileName("model", marker: marker), cluster = hostileName("cluster", marker: marker)
        var gpus: [String: String] = [:]
        func gpu(_ name: String) -> String {
            if let hostile = gpus[name] { return hostile }
            gpus[name] = hostileName("gpu \(gpus.count)", marker: marker)
            return gpus[name]!
        }
        var modelRow = plan["model"] as? [String: Any] ?? [:]
        modelRow["name"] = model
        modelRow["sourceId"] = model
        edited["model"] = modelRow
        var clusterRow = plan["cluster"] as? [String: Any] ?? [:]
        clusterRow["name"] = cluster
        clusterRow["gpu"] = gpu(clusterRow["gpu"] as? String ?? "")
        edited["cluster"] = clusterRow
        if var serving = plan["serving"] as? [String: Any] {
            serving["replicas"] = (serving["replicas"] as? [[String: Any]] ?? []).map { replica in
                var row = replica
                row["gpu"] = gpu(replica["gpu"] as? String ?? "")
                return row
            }
            edited["serving"] = serving
        }
        let nodes = Set((plan["deviceMap"] as? [[String: Any]] ?? []).compactMap { $0["node"] as? Int }).count
        let file = (marker as NSString).lastPathComponent
        let path = directory.appendingPathComponent("plan $(touch \(file)) 'q'\n`touch \(file)`.json")
        try JSONSerialization.data(withJSONObject: edited).write(to: path)
        return (path.path, model, cluster, gpus, nodes)
    }

    /// A pure data-parallel plan over 8 nodes, which every training launcher takes.
    static let dataParallel = PlanRequest.evaluate(
        .init(
            model: "llama3-8b", cluster: "dgx-h100-64", globalBatch: 512,
            tp: 1, pp: 1, dp: 64, mbs: 1, recompute: .full, uniform: true))

    @Test(arguments: [ExportFormat.megatron, .deepspeed, .torchtitan, .torchtitan03, .horovod, .tensorflow])
    func hostileNamesStayDataInTrainingExports(_ format: ExportFormat) throws {
        let directory = try Plans.scratch()
        let marker = directory.appendingPathComponent("pwned-\(UUID().uuidString)").path
        let plan = try Self.hostilePlan(Self.dataParallel, in: directory, marker: marker)
        let hosts = Self.hosts(plan.nodes)
        let result = try Plans.export(plan.path, as: format, hosts: hosts)
        let out = directory.appendingPathComponent("out")
        try result.write(into: out.path)

        // The names are in the header comment, escaped; the comment stays one line.
        let script = try String(contentsOf: out.appendingPathComponent("launch.sh"), encoding: .utf8)
        let header = script.split(separator: "\n").first { $0.hasPrefix("# ") && $0.contains(" for ") }
        #expect(
            header.map(String.init)
                == "# \(Self.title(format)) for \(Quoting.comment(plan.model)) on \(Quoting.comment(plan.cluster)) "
                + "(64 × \(Quoting.comment(plan.gpus.values.first ?? ""))),")
        #expect(script.contains("from \(Quoting.comment(plan.path))."))

        let calls = try Self.runWithStandIns(
            out.appendingPathComponent("launch.sh"), environment: ["NODE_RANK": "0", "WORKER_INDEX": "0"])
        #expect(!Self.ran(marker, in: out), "a name ran as code")
        switch format {
        case .megatron, .torchtitan, .torchtitan03:
            let torchrun = calls.first { $0.program == "torchrun" }
            #expect(torchrun.map { Flags($0.words).value("--master-addr") } == hosts[0])
        case .deepspeed:
            let deepspeed = calls.first { $0.program == "deepspeed" }
            #expect(deepspeed.map { Flags($0.words).value("--master_addr") } == hosts[0])
            // The document's launch line is the same shell code.
            let launch = try result.json()["launch"] as? String ?? ""
            let line = out.appendingPathComponent("line.sh")
            try Data((launch + "\n").utf8).write(to: line)
            let again = try Self.runWithStandIns(line, environment: [:])
            #expect(again.first.map { Flags($0.words).value("--master_addr") } == hosts[0])
        case .horovod:
            let horovod = calls.first { $0.program == "horovodrun" }
            #expect(horovod.map { Flags($0.words).value("-H") } == hosts.map { "\($0):8" }.joined(separator: ","))
        case .tensorflow:
            #expect(calls.map(\.program) == ["python"])
            let workers = try result.json()["workers"] as? [[String: Any]] ?? []
            #expect(workers.map { $0["host"] as? String ?? "" } == hosts)
        case .vllm: Issue.record("not a training launcher")
        }
        if format == .torchtitan {
            // Every line of the TOML is a comment, a table or a key; tomllib reads it all.
            let toml = try TOMLSubset.parse(result.text)
            #expect(toml["training"]?["seq_len"] as? Int == 8192)
            #expect(result.text.contains("--repo_id \(Quoting.comment(plan.model)) --assets tokenizer"))
            if Python.hasTOMLLib {
                let file = out.appendingPathComponent("job.toml")
                let parsed = try Python.tomlAsJSON(file) as? [String: Any] ?? [:]
                #expect(Contract.value(parsed, "parallelism.data_parallel_shard_degree") as? Int == 64)
            }
        }
    }

    /// The mixed plan (one data-parallel deployment per GPU group, over several nodes) and the Ray plan.
    @Test(arguments: [VLLMExportTests.mixed, VLLMExportTests.spanning])
    func hostileNamesStayDataInTheVLLMExport(_ request: PlanRequest) throws {
        let directory = try Plans.scratch()
        let marker = directory.appendingPathComponent("pwned-\(UUID().uuidString)").path
        let plan = try Self.hostilePlan(request, in: directory, marker: marker)
        let hosts = Self.hosts(plan.nodes)
        let result = try Plans.export(plan.path, as: .vllm, hosts: hosts)
        let out = directory.appendingPathComponent("out")
        try result.write(into: out.path)
        #expect(result.text.contains("# vLLM serving launch for \(Quoting.comment(plan.model)) on "))
        #expect(result.text.contains("from \(Quoting.comment(plan.path))."))
        for gpu in plan.gpus.values {
            #expect(result.text.contains("GPU group \(Quoting.comment(gpu)): "))
        }
        var calls: [Call] = []
        for node in 0..<plan.nodes {
            calls += try Self.runWithStandIns(
                out.appendingPathComponent("launch.sh"), environment: ["NODE_RANK": "\(node)"])
        }
        #expect(!Self.ran(marker, in: out), "a name ran as code")
        let serves = calls.filter { $0.program == "vllm" }
        #expect(!serves.isEmpty)
        for serve in serves {
            // `vllm serve "$MODEL"`: MODEL defaults to the model's name, exactly.
            #expect(serve.words.prefix(2) == ["serve", plan.model])
            if let address = Flags(serve.words).value("--data-parallel-address") {
                #expect(hosts.contains(address), "\(address)")
            }
        }
        let workers = calls.filter { $0.program == "ray" && $0.words.contains("--block") }
        for worker in workers {
            #expect(worker.words.contains("--address=\(hosts[0]):6379"), "\(worker.words)")
        }
        if request.description == VLLMExportTests.spanning.description {
            #expect(workers.count == plan.nodes - 1)
        } else {
            #expect(serves.contains { Flags($0.words).value("--data-parallel-address") != nil })
        }
    }

    /// Host names are still checked: a shell, hostfile or host:port separator in one is refused.
    @Test(arguments: ["gpu-0 gpu-1", "$(touch /tmp/pwned)", "a'b", "gpu:0", "a\nb", ""])
    func hostNamesWithSeparatorsAreRefused(_ host: String) throws {
        let directory = try Plans.scratch()
        let (path, _) = try Plans.write(ExportTests.small, in: directory)
        let message = ExportTests.refusal { _ = try Plans.export(path, as: .megatron, hosts: [host]) }
        #expect(message.contains("--hosts") && !message.contains("\n"), "\(message)")
    }

    // MARK: Helpers

    /// Whether a hostile name ran: `marker`, or its file name in `directory` (where the scripts run).
    static func ran(_ marker: String, in directory: URL) -> Bool {
        let here = directory.appendingPathComponent((marker as NSString).lastPathComponent).path
        return FileManager.default.fileExists(atPath: marker) || FileManager.default.fileExists(atPath: here)
    }

    static func title(_ format: ExportFormat) -> String {
        switch format {
        case .megatron: "Megatron-LM launch"
        case .deepspeed: "DeepSpeed launch"
        case .torchtitan: "torchtitan launch"
        case .torchtitan03: "torchtitan 0.3.0 launch"
        case .horovod: "Horovod launch"
        case .tensorflow: "TensorFlow MultiWorkerMirroredStrategy launch"
        case .vllm: "vLLM serving launch"
        }
    }

    /// One program the script started, with the exact words it received.
    struct Call {
        var program: String
        var words: [String]
    }

    /// Checks `script` with `bash -n`, then runs it with bash, the launchers it may start replaced by
    /// stand-ins that record their name and arguments NUL-separated (names hold line breaks), and
    /// returns what they received.
    static func runWithStandIns(_ script: URL, environment: [String: String]) throws -> [Call] {
        let syntax = try Subprocess.run(URL(fileURLWithPath: "/bin/bash"), ["-n", script.path])
        #expect(syntax.status == 0, "bash -n: \(String(decoding: syntax.stderr, as: UTF8.self))")
        let run = script.deletingLastPathComponent().appendingPathComponent("run-\(UUID().uuidString)")
        let bin = run.appendingPathComponent("bin"), records = run.appendingPathComponent("calls")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: records, withIntermediateDirectories: true)
        let standIn = """
            #!/bin/sh
            file=$(mktemp "$PLAN_CALLS/call.XXXXXX")
            { printf '%s\\0' "$(basename "$0")"; for word in "$@"; do printf '%s\\0' "$word"; done; } > "$file"

            """
        for program in ["torchrun", "deepspeed", "horovodrun", "python", "python3", "vllm", "ray"] {
            let url = bin.appendingPathComponent(program)
            try Data(standIn.utf8).write(to: url)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        }
        var variables = ProcessInfo.processInfo.environment
        for name in ["MODEL", "MASTER_ADDR", "MASTER_PORT", "NODE_RANK", "WORKER_INDEX"] { variables[name] = nil }
        variables["PATH"] = bin.path + ":" + (variables["PATH"] ?? "/usr/bin:/bin")
        variables["PLAN_CALLS"] = records.path
        variables.merge(environment) { $1 }
        let result = try Subprocess.run(
            URL(fileURLWithPath: "/bin/bash"), [script.path], environment: variables,
            directory: script.deletingLastPathComponent())
        let problems = String(decoding: result.stderr, as: UTF8.self)
        #expect(result.status == 0, "bash \(script.lastPathComponent): \(problems)")
        return try FileManager.default.contentsOfDirectory(atPath: records.path).sorted().map { file in
            let data = try Data(contentsOf: records.appendingPathComponent(file))
            var words = data.split(separator: 0, omittingEmptySubsequences: false).map {
                String(decoding: $0, as: UTF8.self)
            }
            if words.last == "" { words.removeLast() }
            return Call(program: words.first ?? "", words: Array(words.dropFirst()))
        }
    }
}

/// Python 3.11's tomllib, where this machine has it: the reference reader for the TOML the exports write.
enum Python {
    static let hasTOMLLib: Bool = {
        let check = try? Subprocess.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", "import tomllib"])
        return check?.status == 0
    }()

    /// The TOML file read by tomllib, as JSON read back by JSONSerialization.
    static func tomlAsJSON(_ file: URL) throws -> Any {
        let program = "import json, sys, tomllib; print(json.dumps(tomllib.load(open(sys.argv[1], 'rb'))))"
        let result = try Subprocess.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", program, file.path])
        #expect(result.status == 0, "tomllib: \(String(decoding: result.stderr, as: UTF8.self))")
        return try JSONSerialization.jsonObject(with: result.stdout)
    }
}
