import CostModel

/// Reads what a launcher needs beyond the model's shape (`ModelArchitecture`) from Hugging Face
/// `config.json` names: `_name_or_path`, `model_type`, `hidden_act`, `rms_norm_eps` /
/// `layer_norm_epsilon` / `layer_norm_eps` / `layernorm_epsilon`, `rmsnorm`, `rope_theta`,
/// `position_embedding_type`, `alibi`.
/// Absent keys follow the model family, as transformers' configuration classes default them.
extension ModelFile {
    static func architecture(_ yaml: YAMLMapping, activation: String) throws -> ModelArchitecture {
        let modelType = try present(yaml, "model_type").map { try yaml.string($0) }??.lowercased()
        let sourceId = try present(yaml, "_name_or_path").map { try yaml.string($0) } ?? nil
        let ropeFamily = modelType.map(ModelArchitecture.ropeRMSNormTypes.contains) ?? false
        let rmsEpsilon = try present(yaml, "rms_norm_eps").map { try yaml.number($0, in: 0...1, fix: fix) } ?? nil
        let layerEpsilon =
            try present(yaml, "layer_norm_epsilon", "layer_norm_eps", "layernorm_epsilon").map {
                try yaml.number($0, in: 0...1, fix: fix)
            }
            ?? nil
        // ChatGLM says `rmsnorm: true` beside `layernorm_epsilon`.
        let rmsFlag = try present(yaml, "rmsnorm").map { try yaml.bool($0) } ?? nil
        let normalization: ModelArchitecture.Normalization =
            rmsFlag ?? (rmsEpsilon != nil || (layerEpsilon == nil && ropeFamily)) ? .rmsNorm : .layerNorm
        let ropeTheta =
            try present(yaml, "rope_theta").map {
                try yaml.number($0, in: 1...1e15, fix: "give the rotary base, e.g. 500000")
            } ?? nil
        // rope_scaling: {rope_type: llama3, factor: 8, ...} (Llama 3.1), or null.
        let scaling = try yaml.mapping("rope_scaling")
        let scalingType = try scaling?.string("rope_type", "type")
        let scalingFactor = try scaling?.number("factor", in: 1...1e6, fix: "give the rope scaling factor, e.g. 8")
        // sliding_window counts for Mistral-style models, and for Qwen2 only with use_sliding_window.
        let useWindow = try present(yaml, "use_sliding_window").map { try yaml.bool($0) } ?? nil
        let window =
            useWindow == false
            ? nil
            : try present(yaml, "sliding_window").map {
                try yaml.integer($0, maximum: 100_000_000)
            } ?? nil
        return ModelArchitecture(
            sourceId: sourceId.flatMap { $0.isEmpty ? nil : $0 }, modelType: modelType, activation: activation,
            normalization: normalization, normEpsilon: rmsEpsilon ?? layerEpsilon,
            positionEmbedding: try positions(yaml, modelType: modelType, ropeFamily: ropeFamily, ropeTheta: ropeTheta),
            ropeTheta: ropeTheta, ropeScaling: scalingType, ropeScalingFactor: scalingFactor,
            slidingWindow: window ?? nil)
    }

    private static let fix = "give the normalisation epsilon, e.g. 1e-05"

    /// RoPE for the Llama lineage, Falcon without ALiBi and any file giving `rope_theta`; ALiBi for
    /// BLOOM and Falcon with `alibi: true`; learned absolute positions for GPT-2, OPT and GPT-3 files
    /// (`position_embedding_type: absolute`).
    private static func positions(
        _ yaml: YAMLMapping, modelType: String?, ropeFamily: Bool, ropeTheta: Double?
    ) throws -> ModelArchitecture.PositionEmbedding {
        if let kind = try present(yaml, "position_embedding_type").map({ try yaml.string($0) }) ?? nil {
            switch kind.lowercased() {
            case "rope", "rotary": return .rope
            case "alibi": return .alibi
            default: return .learned
            }
        }
        let alibi = try present(yaml, "alibi").map { try yaml.bool($0) } ?? nil
        if modelType == "bloom" || alibi == true { return .alibi }
        if ropeFamily || modelType == "falcon" || ropeTheta != nil { return .rope }
        return .learned
    }

    /// The first of `keys` the file gives with a value other than null (config.json writes `null`
    /// for unset optional fields, such as `"rope_scaling": null`).
    private static func present(_ yaml: YAMLMapping, _ keys: String...) -> String? {
        keys.first { key in
            guard yaml.contains(key), let text = try? yaml.string(key) else { return yaml.contains(key) }
            return !["null", "~", ""].contains(text.lowercased())
        }
    }
}
