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
        let path = try Self.binaryPlan(Self.small, in: try Binary.scratch())
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
