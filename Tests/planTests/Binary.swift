import Foundation

/// Runs the built `plan` binary as a user would, from the checkout's root.
enum Binary {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var url: URL {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("plan"),
            Bundle.main.bundleURL.appendingPathComponent("plan"),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("plan"),
            root.appendingPathComponent(".build/debug/plan"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates.last!
    }

    struct Result {
        var status: Int32
        var stdout: Data
        var stderr: String
        var text: String { String(decoding: stdout, as: UTF8.self) }
        func json() throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: stdout) as? [String: Any] ?? [:]
        }
    }

    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.currentDirectoryURL = root
        // A crash ends the child at once with its signal: the runtime's backtracer, when it runs, keeps
        // the output pipes open (and under AddressSanitizer it can stall), so reads would wait on it.
        process.environment = ProcessInfo.processInfo.environment.merging(["SWIFT_BACKTRACE": "enable=no"]) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: stdout, stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// A scratch directory for files a test writes.
    static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("plan-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// The key paths DESIGN.md promises (as shared/tools/check-plan-json.py checks them).
enum Contract {
    static let scalars = [
        "schemaVersion", "model.name", "model.parameters", "cluster.name", "cluster.devices", "workload.mode",
        "workload.globalBatchSize", "workload.sequenceLength", "parallelism.data", "parallelism.tensor",
        "parallelism.pipeline", "parallelism.context", "parallelism.expert", "parallelism.virtualStages",
        "parallelism.sequenceParallel", "parallelism.zeroStage", "microbatch.size", "microbatch.count", "precision",
        "recompute.granularity", "recompute.layersPerStage", "prediction.stepTimeSeconds", "prediction.tokensPerSecond",
        "prediction.modelTflopsPerDevice", "prediction.mfu", "solver.name", "solver.status", "solver.candidates",
        "solver.milpsSolved", "solver.wallSeconds",
    ] + ["weights", "gradients", "optimizer", "activations", "total"].map { "prediction.memoryPerDeviceGiB.\($0)" }
      + ["compute", "tensorComm", "pipelineComm", "dataComm", "bubble"].map { "prediction.breakdownSeconds.\($0)" }

    static func value(_ document: [String: Any], _ path: String) -> Any? {
        var current: Any? = document
        for part in path.split(separator: ".") { current = (current as? [String: Any])?[String(part)] }
        return current
    }

    /// What is missing or inconsistent; empty when the plan holds the contract.
    static func problems(_ plan: [String: Any]) -> [String] {
        var found = scalars.filter { value(plan, $0) == nil }.map { "missing \($0)" }
        let devices = value(plan, "cluster.devices") as? Int ?? -1
        let product = ["data", "tensor", "pipeline", "context"].map { value(plan, "parallelism.\($0)") as? Int ?? 0 }.reduce(1, *)
        if product != devices { found.append("degrees multiply to \(product), not \(devices)") }
        let map = plan["deviceMap"] as? [[String: Any]] ?? []
        if map.count != devices { found.append("deviceMap has \(map.count) rows") }
        for key in ["rank", "node", "localIndex", "data", "pipeline", "tensor"] where map.contains(where: { $0[key] == nil }) {
            found.append("deviceMap[].\(key) missing")
        }
        let stages = plan["stages"] as? [[String: Any]] ?? []
        if stages.isEmpty { found.append("no stages") }
        for key in ["index", "firstLayer", "layerCount", "memoryGiB", "timeSeconds"] where stages.contains(where: { $0[key] == nil }) {
            found.append("stages[].\(key) missing")
        }
        if plan["alternatives"] as? [Any] == nil { found.append("alternatives is not a list") }
        return found
    }
}
