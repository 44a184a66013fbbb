/// What a framework's `selective` recompute keeps and recomputes.
public enum SelectiveRecompute: String, Sendable, Hashable, Codable, CaseIterable {
    /// Megatron-Core's `recompute_modules` (default the attention core alone; runs may list more):
    /// `ParallelConfiguration.recomputeModules`.
    case modules
    /// torchtitan's per-op selective checkpointing (`selective_ac_option = "op"`): inside each block
    /// the outputs of every matmul are saved except every second one (the 2nd, 4th, … in forward
    /// order), and the attention kernel's output; everything else (norms, activation, rotary, the
    /// other matmuls) is recomputed in the backward pass. torchtitan/parallelisms/parallelize_llama.py
    /// @9dec370 `_save_list` and `_custom_policy`; torchtitan/distributed/activation_checkpoint.py
    /// @b5bcd76 keeps the rule. For a Llama block the matmuls run wq, wk, wv, wo, w1, w3, w2, so wk,
    /// wo and w3 are recomputed.
    case everySecondMatmul = "every_second_matmul"
}

extension TrainingCost {
    /// One forward matmul of a block under the per-op rule: its FLOPs on one device and the values
    /// per token of the output it saves when kept (the reduce-scattered shard for row-parallel ones).
    struct OrderedMatmul { var flops: Double; var keptValuesPerToken: Double }

    /// Forward matmuls of a layer in the order a Llama block runs them (wq, wk, wv, wo, then w1, w3,
    /// w2 for a gated FFN or up, down); MoE layers list their router after the attention (the experts
    /// run as grouped GEMMs, which the per-op rule does not count). Latent attention is not listed
    /// (the rule is not applied to it).
    func orderedForwardMatmuls(_ kind: LayerKind) -> [OrderedMatmul] {
        let a = Double(model.attentionHeads), k = Double(model.keyValueHeads), d = Double(model.headDim)
        func matmul(_ input: Double, _ output: Double, kept: Double) -> OrderedMatmul {
            OrderedMatmul(flops: 2 * tokens * input * output, keptValuesPerToken: kept)
        }
        var list = [
            matmul(h, a * d / t, kept: a * d / t), matmul(h, k * d / t, kept: k * d / t),
            matmul(h, k * d / t, kept: k * d / t), matmul(a * d / t, h, kept: h / t),
        ]
        switch kind {
        case .dense:
            let f = Double(model.ffnHiddenSize) / t
            let up = matmul(h, f, kept: f)
            list += (model.feedForward == .gated ? [up, up] : [up]) + [matmul(f, h, kept: h / t)]
        case .moe(let moe):
            list.append(matmul(h, Double(moe.experts), kept: Double(moe.experts)))
        }
        return list
    }

    /// Extra forward time per microbatch of per-op selective recompute: every second matmul of
    /// `orderedForwardMatmuls` and all memory-bound kernels of the layer (`elementwiseBytes`).
    func everySecondMatmulRecomputeSeconds(_ kind: LayerKind) -> Double {
        let recomputed = orderedForwardMatmuls(kind).enumerated().filter { $0.offset % 2 == 1 }
        return recomputed.reduce(0) { $0 + speed.gemmSeconds(flops: $1.element.flops) }
            + speed.memorySeconds(bytes: elementwiseBytes(kind))
    }

    /// Activation bytes a layer keeps under per-op selective recompute: its input (2·T·h, sharded by
    /// sequence parallelism), the outputs of the 1st, 3rd, … matmuls of `orderedForwardMatmuls` (2 bytes
    /// per value), and the attention kernel's output with its fp32 log-sum-exp (2·T·a·d/t + 4·T·a/t).
    /// MoE layers add their routed experts' activations as without it.
    func everySecondMatmulActivationBytes(_ kind: LayerKind) -> Double {
        let a = Double(model.attentionHeads), d = Double(model.headDim)
        let saved = orderedForwardMatmuls(kind).enumerated().filter { $0.offset % 2 == 0 }
            .reduce(0) { $0 + $1.element.keptValuesPerToken }
        var bytes = 2 * tokens * h / hiddenShard + 2 * tokens * saved + 2 * tokens * a * d / t + 4 * tokens * a / t
        if case .moe(let moe) = kind {
            let perHidden = (model.feedForward == .gated ? 4.0 : 2.0) + 2
            bytes +=
                routedPairs * (2 * h + perHidden * Double(moe.expertFFNHiddenSize))
                + 4 * tokens * Double(moe.experts)
        }
        return bytes
    }
}
