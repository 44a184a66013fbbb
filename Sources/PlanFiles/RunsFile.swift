import CostModel
import Foundation
import Planner

package enum RunsFile {
    /// The runs of a runs file; a run without `framework:` ran on `defaultFramework`, one without
    /// `family:` belongs to the family "unknown".
    package static func decode(
        _ yaml: YAMLMapping, data: DataDirectory, defaultFramework: String = "megatron"
    )
        throws -> [PublishedRun]
    {
        guard let runs = try yaml.sequenceOfMappings("runs"), !runs.isEmpty else {
            throw InputError(
                file: yaml.file, key: "runs", line: yaml.line,
                "is missing or empty; list runs with id, model, cluster, config and measured")
        }
        var frameworks: [String: Framework] = [:]
        return try runs.map { run in
            if let log = try run.string("log") {
                let named = try run.string("framework")
                return try logRun(run, path: log, data: data, framework: try named.map { try data.framework($0) })
            }
            let name = try run.string("framework") ?? defaultFramework
            if frameworks[name] == nil {
                do {
                    frameworks[name] = try data.framework(name)
                } catch let error as InputError {
                    throw run.error("framework", nil, "'\(YAMLMapping.clipped(name))': \(error.message)")
                }
            }
            return try self.run(run, data: data, framework: frameworks[name]!)
        }
    }

    /// The keys a run's `config:` may hold: the configuration, and the framework settings a run may
    /// state for itself.
    static let configKeys = [
        "tp", "pp", "dp", "cp", "ep", "vpp", "mbs", "global_batch", "seq_len", "sp", "recompute", "zero",
        "precision", "flash_attention", "recompute_modules", "recompute_layers", "cpu_offload_layers",
        "fused_kernels", "loss_logit_bytes", "fp8_weight_gather",
    ]

    static func run(_ yaml: YAMLMapping, data: DataDirectory, framework: Framework) throws -> PublishedRun {
        let id = try yaml.string("id") ?? "run"
        guard let modelYAML = try yaml.mapping("model") else {
            throw yaml.error("model", nil, "is missing; give the model's config fields")
        }
        guard let clusterYAML = try yaml.mapping("cluster") else {
            throw yaml.error("cluster", nil, "is missing; give gpu, nodes and gpus_per_node")
        }
        guard let c = try yaml.mapping("config") else {
            throw yaml.error("config", nil, "is missing; give tp, pp, dp, mbs, global_batch and seq_len")
        }
        // A misspelt setting would otherwise be ignored and the run costed as something it was not.
        try c.requireKnownKeys(Self.configKeys)
        guard let measured = try yaml.mapping("measured"),
            let throughput = try measured.positiveNumber("tokens_per_second_per_gpu")
        else {
            throw yaml.error(
                "measured.tokens_per_second_per_gpu", nil, "is missing; give the measured tokens per second per GPU")
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
        var config = ParallelConfiguration(
            tensor: tp, pipeline: try c.integer("pp") ?? 1,
            data: try c.requiredInteger("dp", fix: "give the data-parallel degree"),
            context: try c.integer("cp") ?? 1, expert: try c.integer("ep") ?? 1,
            virtualStages: try c.integer("vpp") ?? 1,
            microbatchSize: try c.requiredInteger("mbs", fix: "give the microbatch size"),
            globalBatchSize: try c.requiredInteger(
                "global_batch", maximum: 10_000_000, fix: "give the global batch in sequences"),
            sequenceLength: try c.requiredInteger("seq_len", maximum: 10_000_000, fix: "give the sequence length"),
            sequenceParallel: try c.bool("sp") ?? (tp > 1), recompute: recompute,
            zeroStage: ZeROStage(rawValue: try c.integer("zero", minimum: 0, maximum: 3) ?? 1) ?? .optimizer,
            precision: precision,
            flashAttention: try c.bool("flash_attention") ?? true)
        if let names = try c.strings("recompute_modules") {
            config.recomputeModules = Set(
                try names.map { name in
                    guard let module = RecomputeModule(rawValue: name) else {
                        throw c.error(
                            "recompute_modules", nil,
                            "'\(YAMLMapping.clipped(name))' is not one of "
                                + "\(RecomputeModule.allCases.map(\.rawValue).joined(separator: ", "))"
                        )
                    }
                    return module
                })
        }
        config.offloadedLayers = try c.integer("cpu_offload_layers", minimum: 0, maximum: 100_000) ?? 0
        if let (field, message) = DegreeBounds.problem(config, devices: cluster.devices) {
            let keys: [ConfigurationProblem.Field: String] = [
                .tensor: "tp", .pipeline: "pp", .data: "dp", .context: "cp", .expert: "ep",
                .virtualStages: "vpp", .microbatchSize: "mbs",
            ]
            throw c.error(at: keys[field] ?? "dp", message: message)
        }
        if let problem = config.problems(model: model, cluster: cluster).first {
            throw InputError(key: "\(id).config", "\(problem.field.rawValue): \(problem.message)")
        }
        var framework = framework
        if c.contains("fused_kernels") { framework.fusedKernels = try FrameworkFile.fusedKernels(c) }
        if let bytes = try c.number(
            "loss_logit_bytes", in: 0...64, fix: "give bytes per logit alive at the loss for this run")
        {
            framework.lossLogitBytes = bytes
        }
        if let gather = try c.bool("fp8_weight_gather") { framework.fp8WeightGather = gather }
        if let problem = framework.problem(with: config) {
            throw InputError(
                file: yaml.file, key: "\(id).config", "\(problem); name the framework that ran it with `framework:`")
        }
        let family = try yaml.string("family").flatMap { YAMLMapping.isBlank($0) ? nil : $0 } ?? "unknown"
        return PublishedRun(
            id: id, family: family, source: try yaml.string("source") ?? "",
            fullySpecified: try yaml.bool("fully_specified") ?? false,
            model: model, cluster: cluster, config: config, framework: framework,
            recomputeLayers: try c.integer("recompute_layers", minimum: 0),
            measuredTokensPerSecondPerDevice: throughput,
            measuredMemoryGiB: try measured.number(
                "memory_gib", in: 0.001...100_000, fix: "give the measured peak memory per GPU in GiB"))
    }
}
