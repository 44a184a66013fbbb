import CostModel
import Foundation

/// Reads a model from Hugging Face `config.json` field names (or their GPT-2, OPT, BLOOM and
/// Falcon aliases) and checks every number and relation.
package enum ModelFile {
    static func decode(_ yaml: YAMLMapping, defaultName: String) throws -> ModelDescription {
        // Multimodal configs (LLaVA, Mistral 3, Gemma 3) keep the language model under `text_config`.
        if !yaml.contains("num_hidden_layers"), let text = try? yaml.mapping("text_config"),
            text.contains("num_hidden_layers")
        {
            return try decode(text, defaultName: try yaml.string("name") ?? defaultName)
        }
        if !yaml.contains("num_hidden_layers"),
            let key = ["gpus_per_node", "nodes", "groups", "gpu"].first(where: yaml.contains)
        {
            throw yaml.error(
                at: key,
                message: "is a cluster key: this is a cluster file; pass it with --cluster, and a model with --model")
        }
        let layers = try yaml.requiredInteger(
            "num_hidden_layers", "n_layer", "num_layers", maximum: 10_000,
            fix: "set num_hidden_layers (the number of transformer blocks)")
        let hidden = try yaml.requiredInteger(
            "hidden_size", "n_embd", "d_model", maximum: 1_000_000,
            fix: "set hidden_size (the model width)")
        let heads = try yaml.requiredInteger(
            "num_attention_heads", "n_head", "num_heads", maximum: 100_000,
            fix: "set num_attention_heads")
        let kvHeads = try yaml.integer("num_key_value_heads", "num_kv_heads", "n_head_kv", maximum: 100_000) ?? heads
        let headDim = try yaml.integer("head_dim", maximum: 100_000)
        if headDim == nil && hidden % heads != 0 {
            throw yaml.error(
                at: "num_attention_heads", "n_head", "num_heads",
                message:
                    "\(heads) heads do not divide hidden_size \(hidden); set head_dim, or use a head count that "
                    + "divides \(hidden)"
            )
        }
        if heads % kvHeads != 0 {
            throw yaml.error(
                at: "num_key_value_heads", "num_kv_heads", "n_head_kv",
                message: "\(kvHeads) key-value heads do not divide \(heads) attention heads; use a divisor of \(heads)")
        }
        let ffn =
            try yaml.integer("intermediate_size", "n_inner", "ffn_dim", "ffn_hidden_size", maximum: 10_000_000) ?? 4
            * hidden
        let vocab = try yaml.requiredInteger(
            "vocab_size", "padded_vocab_size", maximum: 100_000_000, fix: "set vocab_size")
        let positions =
            try yaml.integer("max_position_embeddings", "n_positions", "n_ctx", "seq_length", maximum: 100_000_000)
            ?? 2048
        let activation = try
            (yaml.string("hidden_activation") ?? yaml.string("hidden_act", "activation_function") ?? "gelu")
            .lowercased()
        let modelType = try yaml.string("model_type")?.lowercased() ?? ""
        let gated = ["silu", "swiglu", "swish", "geglu"].contains(activation) || modelType.hasPrefix("gemma")
        let known = [
            "silu", "swiglu", "swish", "geglu", "gelu", "gelu_new", "gelu_fast", "gelu_pytorch_tanh", "relu",
            "quick_gelu", "squared-relu", "relu2",
        ]
        if !known.contains(activation) {
            throw yaml.error(
                at: "hidden_activation", "hidden_act", "activation_function",
                message:
                    "'\(activation)' is not a known activation; use silu (SwiGLU, 3 FFN matrices) or gelu/relu (2 "
                    + "matrices)"
            )
        }
        let tied =
            try yaml.bool("tie_word_embeddings") ?? ![
                "llama", "mistral", "mixtral", "qwen2", "deepseek_v3", "deepseek_v2",
            ].contains(modelType)
        let bias = try yaml.bool("attention_bias", "qkv_bias", "bias") ?? (modelType == "qwen2" || modelType == "gpt2")

        var moe: MixtureOfExperts?
        if let experts = try yaml.integer(
            "num_local_experts", "n_routed_experts", "num_experts", minimum: 0, maximum: 1_000_000), experts > 0
        {
            let perToken = try yaml.requiredInteger(
                "num_experts_per_tok", "moe_topk", maximum: 1_000_000,
                fix: "set num_experts_per_tok (experts each token is routed to)")
            if perToken > experts {
                throw yaml.error(
                    at: "num_experts_per_tok", "moe_topk",
                    message:
                        "routes each token to \(perToken) experts but the model has \(experts); use at most \(experts)")
            }
            let expertFFN = try yaml.integer("moe_intermediate_size", maximum: 10_000_000) ?? ffn
            let shared = try yaml.integer("n_shared_experts", "num_shared_experts", minimum: 0, maximum: 1_000) ?? 0
            let sharedFFN = try yaml.integer("shared_expert_intermediate_size", maximum: 10_000_000)
            let denseFirst = try yaml.integer("first_k_dense_replace", minimum: 0, maximum: layers) ?? 0
            moe = MixtureOfExperts(
                experts: experts, expertsPerToken: perToken, expertFFNHiddenSize: expertFFN,
                sharedExperts: sharedFFN != nil ? max(shared, 1) : shared,
                sharedExpertFFNHiddenSize: sharedFFN ?? expertFFN, denseLayers: denseFirst)
        }

        var latent: LatentAttention?
        if let kvRank = try yaml.integer("kv_lora_rank", maximum: 1_000_000) {
            let latentFix =
                "kv_lora_rank (DeepSeek latent attention) needs qk_rope_head_dim, qk_nope_head_dim and v_head_dim; "
                + "set them, or remove kv_lora_rank"
            let ropeDim = try yaml.requiredInteger("qk_rope_head_dim", maximum: 100_000, fix: latentFix)
            let nopeDim = try yaml.requiredInteger("qk_nope_head_dim", maximum: 100_000, fix: latentFix)
            let valueDim = try yaml.requiredInteger("v_head_dim", maximum: 100_000, fix: latentFix)
            latent = LatentAttention(
                qLoraRank: try yaml.integer("q_lora_rank", minimum: 0, maximum: 1_000_000) ?? 0,
                kvLoraRank: kvRank, noPositionHeadDim: nopeDim, ropeHeadDim: ropeDim, valueHeadDim: valueDim)
        }

        return ModelDescription(
            name: try yaml.string("name") ?? defaultName, layers: layers, hiddenSize: hidden, attentionHeads: heads,
            keyValueHeads: kvHeads, headDim: headDim, ffnHiddenSize: ffn, vocabularySize: vocab,
            maxPositions: positions, feedForward: gated ? .gated : .twoMatrices, tiedEmbeddings: tied,
            attentionBias: bias, moe: moe, latentAttention: latent,
            architecture: try architecture(yaml, activation: activation))
    }
}
