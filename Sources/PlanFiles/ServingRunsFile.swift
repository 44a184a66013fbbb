import CostModel
import Foundation
import Planner

package enum ServingRunsFile {
    /// Whether a runs file holds serving runs (its first run has a `serving:` mapping).
    package static func isServing(_ yaml: YAMLMapping) throws -> Bool {
        try yaml.sequenceOfMappings("runs")?.first?.mapping("serving") != nil
    }

    package static func decode(_ yaml: YAMLMapping, data: DataDirectory) throws -> [PublishedServingRun] {
        guard let runs = try yaml.sequenceOfMappings("runs"), !runs.isEmpty else {
            throw InputError(
                file: yaml.file, key: "runs", line: yaml.line,
                "is missing or empty; list runs with id, model, cluster, serving and measured")
        }
        return try runs.map { try run($0, data: data) }
    }

    static func run(_ yaml: YAMLMapping, data: DataDirectory) throws -> PublishedServingRun {
        let id = try yaml.string("id") ?? "run"
        guard let modelYAML = try yaml.mapping("model") else {
            throw yaml.error("model", nil, "is missing; give the model's config fields")
        }
        guard let clusterYAML = try yaml.mapping("cluster") else {
            throw yaml.error("cluster", nil, "is missing; give gpu, nodes and gpus_per_node")
        }
        guard let s = try yaml.mapping("serving") else {
            throw yaml.error("serving", nil, "is missing; give tp, pp, replicas, batch and the token counts")
        }
        guard let measured = try yaml.mapping("measured") else { throw yaml.error("measured", nil, "is missing") }
        func format(_ key: String, _ fallback: String) throws -> Precision {
            let text = try s.string(key) ?? fallback
            guard let value = Precision(rawValue: text.lowercased()) else {
                throw s.error(key, nil, "'\(text)' is not bf16, fp16, fp8, int8 or int4")
            }
            return value
        }
        let config = InferenceConfiguration(
            tensor: try s.integer("tp") ?? 1, pipeline: try s.integer("pp") ?? 1,
            replicas: try s.integer("replicas") ?? 1,
            batchSize: try s.requiredInteger("batch", fix: "give the sequences decoded together"),
            promptTokens: try s.requiredInteger("prompt_tokens", fix: "give the prompt length"),
            outputTokens: try s.requiredInteger("output_tokens", fix: "give the output length"),
            precision: try format("precision", "bf16"), kvCachePrecision: try format("kv_precision", "bf16"),
            continuousBatching: try s.string("batching") == "continuous")
        let milliseconds = { (key: String) throws -> Double? in try measured.positiveNumber(key).map { $0 / 1000 } }
        var run = PublishedServingRun(
            id: id, fullySpecified: try yaml.bool("fully_specified") ?? false,
            model: try ModelFile.decode(modelYAML, defaultName: id),
            cluster: try ClusterFile.decode(clusterYAML, defaultName: id, profiles: data), config: config,
            outputTokensPerSecond: try measured.positiveNumber("output_tokens_per_second"),
            ttftSeconds: try milliseconds("ttft_ms"), tpotSeconds: try milliseconds("tpot_ms"),
            latencySeconds: try milliseconds("latency_ms"))
        switch try s.string("load") {
        case nil: break
        case "closed_loop": run.load = .closedLoop(concurrency: config.batchSize)
        case "burst": run.load = .burst
        case let other?:
            throw s.error(
                "load", nil, "'\(other)' is not closed_loop (clients = batch) or burst (all requests at once)")
        }
        if run.load != nil, !config.continuousBatching {
            throw s.error("load", nil, "is simulated with continuous batching; set batching: continuous or drop load")
        }
        run.requests = try s.integer("requests") ?? max(1000, 4 * config.batchSize)
        run.maxBatchedTokens = try s.integer("max_batched_tokens") ?? 8192
        run.promptSpread = try s.number("prompt_spread") ?? 0
        run.outputSpread = try s.number("output_spread") ?? 0
        for (key, value) in [("prompt_spread", run.promptSpread), ("output_spread", run.outputSpread)]
        where !(value >= 0 && value < 1) {
            throw s.error(key, nil, "must be a fraction from 0 up to (not including) 1, got \(value)")
        }
        guard run.requests >= 1, run.maxBatchedTokens >= 1 else {
            throw s.error("requests", nil, "requests and max_batched_tokens must be at least 1")
        }
        return run
    }
}
