import CostModel
import Foundation
import Planner

/// A run whose configuration and measurement come from its training log (`log: PATH` in a runs
/// file, relative to the runs file): Megatron-LM logs give the model, the degrees, the batch and
/// the step time; torchtitan logs give the degrees, the batch and tokens/s per GPU, and the run gives
/// `model:`. `cluster:` is always given (a log does not name the GPU). Keys under `config:` override
/// what the log says (recompute, say, which torchtitan does not print).
extension RunsFile {
    static func logRun(
        _ yaml: YAMLMapping, path: String, data: DataDirectory, framework: Framework?
    ) throws
        -> PublishedRun
    {
        let id = try yaml.string("id") ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let url = [
            URL(fileURLWithPath: yaml.file).deletingLastPathComponent().appendingPathComponent(path),
            URL(fileURLWithPath: path),
        ].first { FileManager.default.fileExists(atPath: $0.path) }
        guard let url else {
            throw yaml.error(
                at: "log",
                message: "'\(YAMLMapping.clipped(path))' does not exist (looked beside \(yaml.file) and as given)")
        }
        let bytes = try YAMLMapping.read(url, shownAs: path, flag: "log")
        let log = try TrainingLog(text: String(decoding: bytes, as: UTF8.self), file: path)
        guard let clusterYAML = try yaml.mapping("cluster") else {
            throw yaml.error(
                "cluster", nil, "is missing; a log does not name the GPU: give gpu, nodes and gpus_per_node")
        }
        let cluster = try ClusterFile.decode(clusterYAML, defaultName: id, profiles: data)
        let overrides = try yaml.mapping("config")
        switch log.kind {
        case .megatron:
            let arguments = MegatronArguments(values: log.arguments, file: path)
            let model =
                try yaml.mapping("model").map { try ModelFile.decode($0, defaultName: id) }
                ?? (try arguments.model(name: id))
            var config = try arguments.configuration()
            if let overrides { try apply(overrides, to: &config) }
            let tokens = Double(config.globalBatchSize * config.sequenceLength)
            let run = PublishedRun(
                id: id, family: try yaml.string("family") ?? "log", source: path, fullySpecified: true,
                model: model, cluster: cluster, config: config,
                framework: try framework ?? data.framework("megatron"), recomputeLayers: arguments.recomputeLayers,
                measuredTokensPerSecondPerDevice: tokens / log.median / Double(config.devices))
            return try checked(run, yaml: yaml, file: path)
        case .torchtitan:
            guard let modelYAML = try yaml.mapping("model") else {
                throw yaml.error(
                    "model", nil,
                    "is missing; a torchtitan log does not print the model's shape: give its config fields")
            }
            let model = try ModelFile.decode(modelYAML, defaultName: id)
            guard let local = log.localBatchSize, let sequence = log.sequenceLength else {
                throw InputError(
                    file: path, key: "local batch size",
                    "is not in the log (torchtitan prints \"local batch size N, … sequence length S\" when the "
                        + "trainer "
                        + "starts); pass the log from the job's start")
            }
            let size = { (name: String) in log.mesh[name] ?? 1 }
            let dp = size("dp_replicate") * size("dp_shard")
            var config = ParallelConfiguration(
                tensor: size("tp"), pipeline: size("pp"), data: dp, context: size("cp"), expert: size("ep"),
                microbatchSize: local, globalBatchSize: local * dp, sequenceLength: sequence,
                sequenceParallel: size("tp") > 1, recompute: .none,
                zeroStage: size("dp_shard") > 1 ? .weights : .optimizer, precision: .bf16, flashAttention: true)
            if let overrides { try apply(overrides, to: &config) }
            let run = PublishedRun(
                id: id, family: try yaml.string("family") ?? "log", source: path, fullySpecified: true, model: model,
                cluster: cluster, config: config, framework: try framework ?? data.framework("torchtitan"),
                recomputeLayers: nil, measuredTokensPerSecondPerDevice: log.median,
                measuredMemoryGiB: log.peakMemoryGiB)
            return try checked(run, yaml: yaml, file: path)
        }
    }

    /// `config:` keys a run may set over what its log says.
    static func apply(_ c: YAMLMapping, to config: inout ParallelConfiguration) throws {
        try c.requireKnownKeys(["recompute", "zero", "precision", "mbs", "sp"])
        if let text = try c.string("recompute") {
            guard let value = RecomputeGranularity(rawValue: text) else {
                throw c.error("recompute", nil, "'\(YAMLMapping.clipped(text))' is not none, selective or full")
            }
            config.recompute = value
        }
        if let zero = try c.integer("zero", minimum: 0, maximum: 3) { config.zeroStage = ZeROStage(rawValue: zero)! }
        if let text = try c.string("precision") {
            guard let value = Precision(rawValue: text.lowercased()), value.isTrainingPrecision else {
                throw c.error("precision", nil, "'\(YAMLMapping.clipped(text))' is not bf16, fp16, fp8 or fp32")
            }
            config.precision = value
        }
        if let sp = try c.bool("sp") { config.sequenceParallel = sp }
    }

    /// The run, refused when its degrees do not fit its cluster.
    static func checked(_ run: PublishedRun, yaml: YAMLMapping, file: String) throws -> PublishedRun {
        if let (_, message) = DegreeBounds.problem(run.config, devices: run.cluster.devices) {
            throw InputError(file: file, key: "\(run.id).config", "\(message); check the run's cluster")
        }
        if let problem = run.config.problems(model: run.model, cluster: run.cluster).first {
            throw InputError(
                file: file, key: "\(run.id).config", "\(problem.field.rawValue): \(problem.message); check the cluster")
        }
        return run
    }
}

/// Megatron-LM's printed arguments as a model and a configuration (the names of
/// megatron/training/arguments.py: `num_layers`, `tensor_model_parallel_size`, …).
struct MegatronArguments {
    var values: [String: String]
    var file: String

    func integer(_ name: String) throws -> Int? {
        guard let text = values[name], text != "None" else { return nil }
        guard let value = Int(text) else {
            throw InputError(
                file: file, key: name, "is '\(YAMLMapping.clipped(text))' in the arguments, not a whole number")
        }
        return value
    }

    func required(_ name: String) throws -> Int {
        guard let value = try integer(name) else {
            throw InputError(file: file, key: name, "is missing from the log's arguments block; pass the whole log")
        }
        return value
    }

    func flag(_ name: String) -> Bool { values[name] == "True" }

    func model(name: String) throws -> ModelDescription {
        let hidden = try required("hidden_size"), heads = try required("num_attention_heads")
        let groups = flag("group_query_attention") ? try integer("num_query_groups") ?? heads : heads
        let ffn = try integer("ffn_hidden_size") ?? 4 * hidden
        var moe: MixtureOfExperts?
        if let experts = try integer("num_experts"), experts > 0 {
            let expertFFN = try integer("moe_ffn_hidden_size") ?? ffn
            moe = MixtureOfExperts(
                experts: experts, expertsPerToken: try integer("moe_router_topk") ?? 2, expertFFNHiddenSize: expertFFN,
                sharedExperts: try integer("moe_shared_expert_intermediate_size") == nil ? 0 : 1,
                sharedExpertFFNHiddenSize: try integer("moe_shared_expert_intermediate_size") ?? expertFFN,
                denseLayers: 0)
        }
        return ModelDescription(
            name: name, layers: try required("num_layers"), hiddenSize: hidden, attentionHeads: heads,
            keyValueHeads: groups, headDim: try integer("kv_channels"), ffnHiddenSize: ffn,
            vocabularySize: try integer("padded_vocab_size") ?? required("vocab_size"),
            maxPositions: try integer("max_position_embeddings") ?? required("seq_length"),
            feedForward: flag("swiglu") ? .gated : .twoMatrices,
            tiedEmbeddings: !flag("untie_embeddings_and_output_weights"), attentionBias: flag("add_bias_linear"),
            moe: moe)
    }

    func configuration() throws -> ParallelConfiguration {
        let tp = try integer("tensor_model_parallel_size") ?? 1, pp = try integer("pipeline_model_parallel_size") ?? 1
        let cp = try integer("context_parallel_size") ?? 1
        let world = try required("world_size")
        let layers = try required("num_layers")
        let vpp =
            try integer("num_layers_per_virtual_pipeline_stage").map { max(layers / (pp * $0), 1) }
            ?? integer("virtual_pipeline_model_parallel_size") ?? 1
        let recompute: RecomputeGranularity =
            switch values["recompute_granularity"] {
            case "full": .full
            case "selective": .selective
            default: .none
            }
        let precision: Precision =
            values["fp8"].map { $0 != "None" } == true ? .fp8 : flag("bf16") ? .bf16 : flag("fp16") ? .fp16 : .fp32
        var config = ParallelConfiguration(
            tensor: tp, pipeline: pp, data: try integer("data_parallel_size") ?? world / max(tp * pp * cp, 1),
            context: cp, expert: try integer("expert_model_parallel_size") ?? 1, virtualStages: vpp,
            microbatchSize: try required("micro_batch_size"), globalBatchSize: try required("global_batch_size"),
            sequenceLength: try required("seq_length"), sequenceParallel: flag("sequence_parallel"),
            recompute: recompute, zeroStage: flag("use_distributed_optimizer") ? .optimizer : .replicated,
            precision: precision, flashAttention: true)
        // --cpu-offloading-num-layers N turns cpu_offloading on (megatron/training/arguments.py).
        let offloaded = try integer("cpu_offloading_num_layers") ?? 0
        if flag("cpu_offloading") || offloaded > 0 { config.offloadedLayers = offloaded }
        return config
    }

    /// Layers recomputed per stage under full recompute with the block method (nil: all).
    var recomputeLayers: Int? {
        values["recompute_method"] == "block" ? values["recompute_num_layers"].flatMap { Int($0) } : nil
    }
}
