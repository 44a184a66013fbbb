import CostModel
import Foundation
import Planner

package enum RunsFile {
    package static func decode(_ yaml: YAMLMapping, data: DataDirectory) throws -> [PublishedRun] {
        guard let runs = try yaml.sequenceOfMappings("runs"), !runs.isEmpty else {
            throw InputError(file: yaml.file, key: "runs", line: yaml.line, "is missing or empty; list runs with id, model, cluster, config and measured")
        }
        return try runs.map { try run($0, data: data) }
    }

    static func run(_ yaml: YAMLMapping, data: DataDirectory) throws -> PublishedRun {
        let id = try yaml.string("id") ?? "run"
        guard let modelYAML = try yaml.mapping("model") else { throw yaml.error("model", nil, "is missing; give the model's config fields") }
        guard let clusterYAML = try yaml.mapping("cluster") else { throw yaml.error("cluster", nil, "is missing; give gpu, nodes and gpus_per_node") }
        guard let c = try yaml.mapping("config") else { throw yaml.error("config", nil, "is missing; give tp, pp, dp, mbs, global_batch and seq_len") }
        guard let measured = try yaml.mapping("measured"),
              let throughput = try measured.positiveNumber("tokens_per_second_per_gpu") else {
            throw yaml.error("measured.tokens_per_second_per_gpu", nil, "is missing; give the measured tokens per second per GPU")
        }
        let model = try ModelFile.decode(modelYAML, defaultName: id)
        let cluster = try ClusterFile.decode(clusterYAML, defaultName: id, profiles: data)
        let precisionText = try c.string("precision") ?? "bf16"
        guard let precision = Precision(rawValue: precisionText.lowercased()), precision.isTrainingPrecision else {
            throw c.error("precision", nil, "'\(precisionText)' is not bf16, fp16, fp8 or fp32")
        }
        let recomputeText = try c.string("recompute") ?? "none"
        guard let recompute = RecomputeGranularity(rawValue: recomputeText) else {
            throw c.error("recompute", nil, "'\(recomputeText)' is not none, selective or full")
        }
        let tp = try c.integer("tp") ?? 1
        let config = ParallelConfiguration(
            tensor: tp, pipeline: try c.integer("pp") ?? 1,
            data: try c.requiredInteger("dp", fix: "give the data-parallel degree"),
            context: try c.integer("cp") ?? 1, expert: try c.integer("ep") ?? 1, virtualStages: try c.integer("vpp") ?? 1,
            microbatchSize: try c.requiredInteger("mbs", fix: "give the microbatch size"),
            globalBatchSize: try c.requiredInteger("global_batch", maximum: 10_000_000, fix: "give the global batch in sequences"),
            sequenceLength: try c.requiredInteger("seq_len", maximum: 10_000_000, fix: "give the sequence length"),
            sequenceParallel: try c.bool("sp") ?? (tp > 1), recompute: recompute,
            zeroStage: try c.integer("zero", minimum: 0, maximum: 3) ?? 1, precision: precision,
            flashAttention: try c.bool("flash_attention") ?? true)
        if let (field, message) = DegreeBounds.problem(config, devices: cluster.devices) {
            let keys: [ConfigurationProblem.Field: String] = [.tensor: "tp", .pipeline: "pp", .data: "dp", .context: "cp", .expert: "ep",
                                                              .virtualStages: "vpp", .microbatchSize: "mbs"]
            throw c.error(at: keys[field] ?? "dp", message: message)
        }
        if let problem = config.problems(model: model, cluster: cluster).first {
            throw InputError(key: "\(id).config", "\(problem.field.rawValue): \(problem.message)")
        }
        return PublishedRun(id: id, source: try yaml.string("source") ?? "", fullySpecified: try yaml.bool("fully_specified") ?? false,
                            model: model, cluster: cluster, config: config,
                            recomputeLayers: try c.integer("recompute_layers", minimum: 0),
                            measuredTokensPerSecondPerDevice: throughput)
    }
}
