import CostModel
import Foundation

/// Megatron-LM's shape and architecture flags from the model the plan carries (`model.*`).
///
/// Megatron's defaults build GPT-2 (learned absolute positions, LayerNorm, biases on every linear
/// layer, tied embeddings, rotary base 10000, GELU), so every Llama-lineage choice is spelled out.
/// Flag names are those `parse_args` of NVIDIA/Megatron-LM megatron/training/arguments.py
/// @ d98e8a64ddf34856e74b24714e3bedb2f5a39553 (megatron-core 0.20.0) defines: `_add_network_size_args`
/// (--group-query-attention, --max-position-embeddings, --position-embedding-type, --rotary-base,
/// --swiglu, --untie-embeddings-and-output-weights), the TransformerConfig fields it turns into flags
/// through ArgumentGroupFactory (--num-layers, --hidden-size, --ffn-hidden-size, --num-attention-heads,
/// --num-query-groups, --kv-channels, --normalization, --norm-epsilon, --disable-bias-linear,
/// --add-qkv-bias, --moe-router-topk, --moe-ffn-hidden-size, --moe-shared-expert-intermediate-size,
/// --multi-latent-attention), `_add_moe_args` (--num-experts, --moe-layer-freq) and `_add_mla_args`
/// (--q-lora-rank, --kv-lora-rank, --qk-head-dim, --qk-pos-emb-head-dim, --v-head-dim).
/// Tests/Fixtures/launcher-options/megatron.txt lists every option that parser accepts.
enum MegatronModelFlags {
    static func arguments(_ model: ModelDescription, sequenceLength: Int, tensor: Int) -> [String] {
        var items = shape(model, sequenceLength: sequenceLength)
        items += architecture(model)
        if let moe = model.moe {
            items += mixtureOfExperts(moe, layers: model.layers)
            if model.architecture.modelType == "deepseek_v3" { items += deepSeekRouting }
        }
        if let latent = model.latentAttention { items += latentAttention(latent) }
        items += tokenizerNote(model, tensor: tensor)
        return items
    }

    /// Layers, widths, heads and positions.
    private static func shape(_ model: ModelDescription, sequenceLength: Int) -> [String] {
        var items = [
            "--num-layers \(model.layers)",
            "--hidden-size \(model.hiddenSize)",
            "--ffn-hidden-size \(model.ffnHiddenSize)",
            "--num-attention-heads \(model.attentionHeads)",
        ]
        if model.latentAttention == nil {
            if model.keyValueHeads < model.attentionHeads {
                items += ["--group-query-attention", "--num-query-groups \(model.keyValueHeads)"]
            }
            if model.headDim * model.attentionHeads != model.hiddenSize {
                items.append("--kv-channels \(model.headDim)")  // head_dim that is not hidden / heads
            }
        }
        // Learned absolute positions need a table row for every position of the sequence.
        let positions = max(model.maxPositions, sequenceLength)
        items.append("--max-position-embeddings \(positions)")
        return items
    }

    /// Positions, normalisation, activation, biases and embeddings: what makes Llama Llama.
    private static func architecture(_ model: ModelDescription) -> [String] {
        let architecture = model.architecture
        var items: [String] = []
        switch architecture.positionEmbedding {
        case .rope:
            items.append("--position-embedding-type rope")
            // --rotary-base is type=int; rope_theta is a whole number in every bundled model.
            let theta = architecture.ropeTheta ?? 10_000
            items.append("--rotary-base \(Int(theta.rounded()))")
            // Llama 3.1's rope_scaling (rope_type llama3): --use-rope-scaling and --rope-scaling-factor
            // (_add_network_size_args; Megatron applies Llama 3.1's low/high frequency factors 1 and 4 and
            // original length 8192, the values of every Llama 3.1 and 3.2 config.json).
            if architecture.ropeScaling == "llama3" {
                items.append("--use-rope-scaling")
                if let factor = architecture.ropeScalingFactor {
                    items.append("--rope-scaling-factor \(Self.number(factor))")
                }
            }
        case .learned:
            items.append("--position-embedding-type learned_absolute")
        case .alibi:
            items.append(
                "# ALiBi (\(Quoting.comment(model.name))) has no Megatron-LM flag; this launch uses learned absolute "
                    + "positions")
            items.append("--position-embedding-type learned_absolute")
        }
        // Sliding-window attention: --window-size LEFT,RIGHT (_add_network_size_args, tuple_type) is
        // Transformer Engine's (left, right) window; a decoder attending to its latest W tokens, itself
        // included, is (W - 1, 0), as vLLM's attention backends convert sliding_window for decoders.
        // Gemma 2 alternates local and global layers from a local one: --window-attn-skip-freq 2
        // (one full-attention layer after every local one).
        if let window = architecture.slidingWindow {
            items.append("--window-size \(max(window - 1, 0)),0")
            if architecture.modelType == "gemma2" { items.append("--window-attn-skip-freq 2") }
        }
        items.append("--normalization \(architecture.normalization == .rmsNorm ? "RMSNorm" : "LayerNorm")")
        if let epsilon = architecture.normEpsilon { items.append("--norm-epsilon \(Self.number(epsilon))") }
        items += activation(model)
        // Llama-lineage models have no biases (Qwen2 keeps them on Q, K and V); GPT-2, OPT and BLOOM keep
        // every bias, Megatron's default.
        if !model.attentionBias || architecture.normalization == .rmsNorm {
            items.append("--disable-bias-linear")
            if model.attentionBias { items.append("--add-qkv-bias") }
        }
        if !model.tiedEmbeddings { items.append("--untie-embeddings-and-output-weights") }
        return items
    }

    /// SiLU-gated FFNs are --swiglu; GELU is Megatron's default; other activations are named.
    private static func activation(_ model: ModelDescription) -> [String] {
        let name = Quoting.comment(model.architecture.activation)
        switch (model.feedForward, model.architecture.activation) {
        case (.gated, "silu"), (.gated, "swish"), (.gated, "swiglu"): return ["--swiglu"]
        case (.twoMatrices, let activation) where activation.hasPrefix("gelu"): return []
        case (.twoMatrices, "squared-relu"), (.twoMatrices, "relu2"): return ["--squared-relu"]
        case (.gated, _):
            return ["# \(name)-gated FFN: Megatron-LM has --swiglu (SiLU) only; --quick-geglu is an approximation"]
        default: return ["# activation \(name): Megatron-LM has GELU (default), --swiglu and --squared-relu only"]
        }
    }

    /// Routed experts, top-k, expert width, shared experts and leading dense layers.
    private static func mixtureOfExperts(_ moe: MixtureOfExperts, layers: Int) -> [String] {
        var items = [
            "--num-experts \(moe.experts)",
            "--moe-router-topk \(moe.expertsPerToken)",
            "--moe-ffn-hidden-size \(moe.expertFFNHiddenSize)",
        ]
        if moe.sharedExperts > 0 {
            // The total width of all shared experts (transformer_config.py).
            items.append("--moe-shared-expert-intermediate-size \(moe.sharedExperts * moe.sharedExpertFFNHiddenSize)")
        }
        if moe.denseLayers > 0 {
            // moe_freq_type evaluates a Python list: 0 a dense FFN, 1 a MoE layer.
            let pattern = "([0]*\(moe.denseLayers)+[1]*\(layers - moe.denseLayers))"
            items.append("--moe-layer-freq \(Quoting.shell(pattern))")
        }
        return items
    }

    /// DeepSeek-V3's router (deepseek-ai/DeepSeek-V3 config.json: scoring_func sigmoid, topk_method noaux_tc,
    /// n_group 8, topk_group 4, routed_scaling_factor 2.5), which plan does not read: Megatron's default is
    /// softmax top-k with an auxiliary loss. The flags as NVIDIA/Megatron-LM @ d98e8a64
    /// examples/megatron_fsdp/sbatch_mfsdp_deepseek_v3.sh sets them.
    private static let deepSeekRouting = [
        "# DeepSeek-V3 routing (its config.json: sigmoid scores, expert bias, 8 groups top-4, scale 2.5):",
        "--moe-router-score-function sigmoid",
        "--moe-router-enable-expert-bias",
        "--moe-router-num-groups 8",
        "--moe-router-group-topk 4",
        "--moe-router-topk-scaling-factor 2.5",
    ]

    /// DeepSeek's multi-head latent attention: ranks and the per-head sizes without and with positions.
    private static func latentAttention(_ latent: LatentAttention) -> [String] {
        var items = [
            "--multi-latent-attention",
            "--kv-lora-rank \(latent.kvLoraRank)",
            "--qk-head-dim \(latent.noPositionHeadDim)",
            "--qk-pos-emb-head-dim \(latent.ropeHeadDim)",
            "--v-head-dim \(latent.valueHeadDim)",
        ]
        if latent.qLoraRank > 0 { items.insert("--q-lora-rank \(latent.qLoraRank)", at: 2) }
        return items
    }

    /// The tokenizer is the user's: name it, and say what Megatron's padding makes of the vocabulary
    /// (megatron/training/vocab_utils.py @ d98e8a64: a multiple of make_vocab_size_divisible_by × tensor).
    private static func tokenizerNote(_ model: ModelDescription, tensor: Int) -> [String] {
        let source = model.architecture.sourceId.map { Quoting.comment($0) } ?? "<tokenizer of the model>"
        let multiple = 128 * max(tensor, 1), vocabulary = model.vocabularySize
        let padded = (vocabulary + multiple - 1) / multiple * multiple
        let padding =
            padded == vocabulary
            ? "no padding"
            : "Megatron pads it to \(padded), a multiple of 128 × tensor \(tensor); the plan counts \(vocabulary)"
        return [
            "# tokenizer (yours to give): --tokenizer-type HuggingFaceTokenizer --tokenizer-model \(source)",
            "#   vocabulary \(vocabulary) (\(padding); --make-vocab-size-divisible-by 128)",
        ]
    }

    /// 1e-05 as Python reads it back exactly.
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
    }
}
