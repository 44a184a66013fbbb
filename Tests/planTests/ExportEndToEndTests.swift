import Foundation
import Launchers
import PlanFiles
import Testing

/// Launcher exports through the binary, as a user runs them. `plan train|evaluate|infer --out PLAN.json`
/// writes the plan that Tests/Shared/Plans.swift makes in process (the plans Tests/LaunchersTests
/// exports), `plan export --to FORMAT PLAN.json` prints what `LauncherExport.render` renders for that
/// file, --hosts and --out-dir reach the export, `plan train --emit` prints the export of its own plan,
/// and a refused plan leaves --out as it was.
@Suite(.serialized)
struct ExportEndToEndTests {
    static let small = PlanRequest.train(model: "llama3-8b", cluster: "dgx-h100-8")
    /// Data parallel with ZeRO-2 on one node: a plan every training launcher (Horovod too) runs.
    static let dataParallel = PlanRequest.evaluate(
        .init(model: "llama3-8b", cluster: "dgx-h100-8", tp: 1, pp: 1, dp: 8, mbs: 1, zero: 2))

    /// One request of each kind the launcher tests make: search, given degrees (the split MILP and an
    /// even split), a predicted serving configuration and the serving search.
    static let requests: [PlanRequest] = [
        small,
        .evaluate(
            .init(
                model: "mixtral-8x7b", cluster: "dgx-h100-64", tp: 2, pp: 4, dp: 8, mbs: 1, ep: 8,
                recompute: .selective, precision: .fp8)),
        .evaluate(
            .init(
                model: "bloom-176b", cluster: "dgx-a100-3072", globalBatch: 2048, sequenceLength: 2048,
                tp: 4, pp: 12, dp: 64, mbs: 2, recompute: .full, uniform: true)),
        .infer(
            .init(
                model: "llama3-70b", cluster: "dgx-h100-8", precisions: [.fp8], kvPrecision: .fp8,
                given: .init(tp: 4, pp: 1, replicas: 2, batch: 16))),
        .infer(.init(model: "llama3-70b", cluster: "hetero-a100-h100", precisions: [.bf16, .int8])),
    ]

    static func stripped(_ data: Data) -> String {
        String(decoding: data, as: UTF8.self).split(separator: "\n").filter { !$0.contains("\"wallSeconds\"") }
            .joined(separator: "\n")
    }

    /// Runs `request` through the binary with --out and returns the plan file's path.
    static func binaryPlan(_ request: PlanRequest, in directory: URL) throws -> String {
        let path = directory.appendingPathComponent("plan.json").path
        let result = try Binary.run(request.arguments + ["--out", path])
        #expect(result.status == 0, "\(request): \(result.stderr)")
        #expect(result.stdout.isEmpty, "\(request)")
        return path
    }

    @Test(arguments: requests)
    func binaryWritesThePlanTheLauncherTestsExport(_ request: PlanRequest) throws {
        let path = try Self.binaryPlan(request, in: try Binary.scratch())
        let written = try Data(contentsOf: URL(fileURLWithPath: path))
        let library = try Plans.document(request).json()
        #expect(Self.stripped(written) == Self.stripped(library), "\(request): not the plan made in process")
    }

    @Test func exportPrintsWhatTheLibraryRenders() throws {
        let path = try Self.binaryPlan(Self.dataParallel, in: try Binary.scratch())
        for format in [ExportFormat.megatron, .deepspeed, .torchtitan, .horovod, .tensorflow] {
            let result = try Binary.run(["export", "--to", format.rawValue, path])
            #expect(result.status == 0, "\(format): \(result.stderr)")
            #expect(result.stdout == (try Plans.export(path, as: format).document), "\(format)")
        }
    }

    @Test func vllmHostsAndOutDirReachTheExport() throws {
        let directory = try Binary.scratch()
        let path = try Self.binaryPlan(Self.requests[4], in: directory)
        let (document, _) = try PlanDocument.load(path: path)
        guard case .inference(let plan) = document else {
            Issue.record("not an inference plan")
            return
        }
        let hosts = (0..<Set(plan.deviceMap.map(\.node)).count).map { "gpu-\($0)" }
        let out = directory.appendingPathComponent("vllm")
        let written = try Binary.run([
            "export", "--to", "vllm", path, "--hosts", hosts.joined(separator: ","),
            "--out-dir", out.path,
        ])
        #expect(written.status == 0 && written.stdout.isEmpty, "\(written.stderr)")
        let launch = out.appendingPathComponent("launch.sh")
        #expect(FileManager.default.isExecutableFile(atPath: launch.path))
        #expect(try Data(contentsOf: launch) == (try Plans.export(path, as: .vllm, hosts: hosts).document))
    }

    @Test func trainEmitPrintsTheExportOfItsPlan() throws {
        let path = try Self.binaryPlan(Self.small, in: try Binary.scratch())
        let exported = try Binary.run(["export", "--to", "deepspeed", path])
        let emitted = try Binary.run(Self.small.arguments + ["--emit", "deepspeed"])
        #expect(emitted.status == 0, "\(emitted.stderr)")
        #expect(try emitted.json()["ds_config"] as? NSDictionary == exported.json()["ds_config"] as? NSDictionary)
        let script = try Binary.run(Self.small.arguments + ["--emit", "megatron"])
        #expect(script.text.hasPrefix("#!/usr/bin/env bash"))
        let clash = try Binary.run(Self.small.arguments + ["--emit", "megatron", "--format", "table"])
        #expect(clash.status == 1 && clash.stdout.isEmpty && clash.stderr.contains("--emit"))
    }

    /// A model and a cluster file whose names hold a line break, `$( )`, a terminal escape and an emoji:
    /// the table shows the names escaped (DisplayText), the plan JSON keeps them exactly, and the script
    /// `--emit megatron` prints passes `bash -n` and runs (torchrun a stand-in) without running them.
    @Test func hostileNamesAreShownEscapedAndNeverRun() throws {
        let directory = try Binary.scratch()
        let marker = directory.appendingPathComponent("pwned").path
        func file(_ folder: String, _ bundled: String, name: String) throws -> String {
            let source = Binary.root.appendingPathComponent("\(folder)/\(bundled).yaml")
            let text = try String(contentsOf: source, encoding: .utf8)
                .replacingOccurrences(of: "\nname: \(bundled)\n", with: "\nname: \"\(name)\"\n")
            let url = directory.appendingPathComponent("\(bundled).yaml")
            try Data(text.utf8).write(to: url)
            return url.path
        }
        // YAML double-quoted escapes: \n a line break, \x1B ESC.
        let yamlName = { (what: String) in "\(what) 🦙\\n$(touch \(marker))\\x1B[31m it's" }
        let model = "model 🦙\n$(touch \(marker))\u{1B}[31m it's"
        let cluster = "cluster 🦙\n$(touch \(marker))\u{1B}[31m it's"
        let request = [
            "train", "--model", try file("models", "llama3-8b", name: yamlName("model")),
            "--cluster", try file("clusters", "dgx-h100-8", name: yamlName("cluster")),
        ]

        let table = try Binary.run(request + ["--format", "table"])
        #expect(table.status == 0, "\(table.stderr)")
        let first = table.text.split(separator: "\n").first.map(String.init) ?? ""
        #expect(first.hasPrefix("\(DisplayText.escaped(model)) (8.0B parameters) on \(DisplayText.escaped(cluster)): "))
        #expect(first.hasPrefix("model 🦙\\n$(touch \(marker))\\u{1B}[31m it's (8.0B"))
        #expect(!table.text.contains("\u{1B}"))

        let json = try Binary.run(request).json()
        #expect(Contract.value(json, "model.name") as? String == model)
        #expect(Contract.value(json, "cluster.name") as? String == cluster)

        let emitted = try Binary.run(request + ["--emit", "megatron"])
        #expect(emitted.status == 0, "\(emitted.stderr)")
        #expect(emitted.text.contains("# Megatron-LM launch for \(DisplayText.escaped(model)) on "))
        let script = directory.appendingPathComponent("launch.sh")
        try emitted.stdout.write(to: script)
        let bin = directory.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let torchrun = bin.appendingPathComponent("torchrun")
        try Data("#!/bin/sh\nexit 0\n".utf8).write(to: torchrun)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: torchrun.path)
        let syntax = try Subprocess.run(URL(fileURLWithPath: "/bin/bash"), ["-n", script.path])
        #expect(syntax.status == 0, "\(String(decoding: syntax.stderr, as: UTF8.self))")
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = bin.path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        let ran = try Subprocess.run(URL(fileURLWithPath: "/bin/bash"), [script.path], environment: environment)
        #expect(ran.status == 0, "\(String(decoding: ran.stderr, as: UTF8.self))")
        #expect(!FileManager.default.fileExists(atPath: marker), "a name ran as code")
    }

    @Test func refusedPlanLeavesOutAsItWas() throws {
        let directory = try Binary.scratch()
        let interleaved = PlanRequest.evaluate(
            .init(
                model: "llama3-70b", cluster: "dgx-h100-64",
                tp: 4, pp: 4, dp: 4, mbs: 1, vpp: 2, recompute: .full))
        let path = try Self.binaryPlan(interleaved, in: directory)
        let kept = directory.appendingPathComponent("kept.txt")
        try Data("keep me\n".utf8).write(to: kept)
        let result = try Binary.run(["export", "--to", "horovod", path, "--out", kept.path])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("tensor=4") && result.stderr.contains("pipeline=4"), "\(result.stderr)")
        #expect(result.stderr.contains(path))
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(try String(contentsOf: kept, encoding: .utf8) == "keep me\n")
    }
}
