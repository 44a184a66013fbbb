import Foundation

/// The key paths DESIGN.md promises (as shared/tools/check-plan-json.py checks them).
enum Contract {
    static let scalars =
        [
            "schemaVersion", "model.name", "model.parameters", "cluster.name", "cluster.devices", "workload.mode",
            "workload.globalBatchSize", "workload.sequenceLength", "parallelism.data", "parallelism.tensor",
            "parallelism.pipeline", "parallelism.context", "parallelism.expert", "parallelism.virtualStages",
            "parallelism.sequenceParallel", "parallelism.zeroStage", "microbatch.size", "microbatch.count", "precision",
            "recompute.granularity", "recompute.layersPerStage", "prediction.stepTimeSeconds",
            "prediction.tokensPerSecond", "prediction.modelTflopsPerDevice", "prediction.mfu", "solver.name",
            "solver.status", "solver.candidates", "solver.milpsSolved", "solver.wallSeconds",
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
        let product = ["data", "tensor", "pipeline", "context"]
            .map { value(plan, "parallelism.\($0)") as? Int ?? 0 }.reduce(1, *)
        if product != devices { found.append("degrees multiply to \(product), not \(devices)") }
        let map = plan["deviceMap"] as? [[String: Any]] ?? []
        if map.count != devices { found.append("deviceMap has \(map.count) rows") }
        for key in ["rank", "node", "localIndex", "data", "pipeline", "tensor"]
        where map.contains(where: { $0[key] == nil }) {
            found.append("deviceMap[].\(key) missing")
        }
        let stages = plan["stages"] as? [[String: Any]] ?? []
        if stages.isEmpty { found.append("no stages") }
        for key in ["index", "firstLayer", "layerCount", "memoryGiB", "timeSeconds"]
        where stages.contains(where: { $0[key] == nil }) {
            found.append("stages[].\(key) missing")
        }
        if plan["alternatives"] as? [Any] == nil { found.append("alternatives is not a list") }
        return found
    }
}
