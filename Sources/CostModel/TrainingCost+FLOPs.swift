/// Floating-point work of one layer on one device for one microbatch (docs/cost-model.md, "FLOPs"):
/// a (m×k)·(k×n) product is 2·m·k·n FLOPs; tensor parallelism splits every weight matrix by t.
extension TrainingCost {
    /// One GEMM shape and how many of it run per forward pass.
    struct GEMM { var flops: Double; var count: Double }

    /// The forward GEMMs of a layer: attention projections (GQA or latent), then the FFN
    /// (dense, or top-k routed experts plus shared experts and the router).
    func forwardGEMMs(_ kind: LayerKind) -> [GEMM] {
        var list = attentionProjectionGEMMs
        let m = Double(model.feedForward.matrices)
        switch kind {
        case .dense:
            list.append(GEMM(flops: 2 * tokens * h * Double(model.ffnHiddenSize) / t, count: m))
        case .moe(let moe):
            // Router: h × E, replicated.
            list.append(GEMM(flops: 2 * tokens * h * Double(moe.experts), count: 1))
            // Routed experts (no tensor parallelism): a device serves the T·k/t token-expert pairs of its
            // sequence-parallel shard, spread over its E/e local experts.
            let localExperts = Double(moe.experts) / Double(config.expert)
            let tokensPerExpert = routedPairs / localExperts
            let perExpert = 2 * tokensPerExpert * h * Double(moe.expertFFNHiddenSize)
            list.append(GEMM(flops: perExpert, count: m * localExperts))
            if moe.sharedExperts > 0 {
                let shared = 2 * tokens * h * Double(moe.sharedExperts * moe.sharedExpertFFNHiddenSize) / t
                list.append(GEMM(flops: shared, count: m))
            }
        }
        return list
    }

    /// Q, K, V and output projections (GQA: K and V have k heads), or the latent-attention projections.
    var attentionProjectionGEMMs: [GEMM] {
        let a = Double(model.attentionHeads)
        if let mla = model.latentAttention {
            let qk = Double(mla.queryKeyHeadDim), v = Double(mla.valueHeadDim)
            var list: [GEMM] = []
            if mla.qLoraRank > 0 {
                list.append(GEMM(flops: 2 * tokens * h * Double(mla.qLoraRank), count: 1))
                list.append(GEMM(flops: 2 * tokens * Double(mla.qLoraRank) * a * qk / t, count: 1))
            } else {
                list.append(GEMM(flops: 2 * tokens * h * a * qk / t, count: 1))
            }
            list.append(GEMM(flops: 2 * tokens * h * Double(mla.kvLoraRank + mla.ropeHeadDim), count: 1))
            list.append(
                GEMM(
                    flops: 2 * tokens * Double(mla.kvLoraRank) * a * Double(mla.noPositionHeadDim) / t + 2 * tokens
                        * Double(mla.kvLoraRank) * a * v / t, count: 1))
            list.append(GEMM(flops: 2 * tokens * a * v * h / t, count: 1))
            return list
        }
        let d = Double(model.headDim), k = Double(model.keyValueHeads)
        return [
            GEMM(flops: 2 * tokens * h * (a + 2 * k) * d / t, count: 1),
            GEMM(flops: 2 * tokens * a * d * h / t, count: 1),
        ]
    }

    /// Attention core (scores Q·Kᵀ and weighted values), causal: each of a device's b·s/c queries
    /// attends on average to half of the s keys. Non-causal would be 4·T·s·a·d/t.
    var attentionCoreForwardFLOPs: Double {
        let a = Double(model.attentionHeads), s = Double(config.sequenceLength)
        let qk = Double(model.latentAttention?.queryKeyHeadDim ?? model.headDim)
        let v = Double(model.latentAttention?.valueHeadDim ?? model.headDim)
        return 0.5 * 2 * tokens * s * a * (qk + v) / t
    }

    /// Score elements one device holds per layer per microbatch: b·a/t heads of (s/c)×s.
    var attentionScores: Double { tokens * Double(config.sequenceLength) * Double(model.attentionHeads) / t }

    /// Forward time of the attention core. Flash attention: fused GEMMs over the causal half at the
    /// device's GEMM efficiency, and no faster than the profile's `flashAttention2Max` of the peak where
    /// the framework's kernel is FlashAttention-2 and the device runs it slower than its GEMMs (Hopper);
    /// the Triton port of the algorithm (`Framework.tritonFlashAttention`) takes
    /// `Assumption.tritonFlashForwardSlowdown` times that.
    /// Unfused (Megatron 2021, BLOOM): per-head batched GEMMs over the full s×s scores (masked
    /// afterwards), plus the memory-bound softmax and dropout, about 13 bytes per score (write scores 2,
    /// softmax 2 + 2, dropout 2 + 1 + 2, read by the value GEMM 2).
    var attentionCoreForwardSeconds: Double {
        guard config.flashAttention else { return unfusedAttentionForwardSeconds }
        let triton = framework.tritonFlashAttention ? Assumption.tritonFlashForwardSlowdown : 1
        return triton * flashAttentionForwardSeconds
    }

    /// Backward time of the attention core: flash attention recomputes the scores
    /// (`Assumption.flashBackwardOverForward`; the Triton kernel's backward is
    /// `Assumption.tritonFlashBackwardSlowdown` slower); the unfused core runs its GEMMs and memory
    /// traffic twice.
    var attentionCoreBackwardSeconds: Double {
        guard config.flashAttention else {
            return Assumption.unfusedBackwardOverForward * unfusedAttentionForwardSeconds
        }
        let triton = framework.tritonFlashAttention ? Assumption.tritonFlashBackwardSlowdown : 1
        return triton * Assumption.flashBackwardOverForward * flashAttentionForwardSeconds
    }

    /// A FlashAttention-2-class (or faster) kernel's forward, before any slowdown of a Triton port.
    private var flashAttentionForwardSeconds: Double {
        // The core runs in 16 bits even in FP8 training (Transformer Engine's default).
        let speed = DeviceSpeed(
            profile: cluster.profile, precision: config.precision == .fp8 ? .bf16 : config.precision)
        let asGEMMs = speed.gemmSeconds(flops: attentionCoreForwardFLOPs)
        if framework.flashAttention2 || framework.tritonFlashAttention,
            let share = cluster.profile.efficiency.flashAttention2Max
        {
            // FlashAttention-2 reaches at most `share` of the peak; small problems stay on the GEMM curve.
            let peak = cluster.profile.computePeakFLOPS(speed.precision)
            return max(asGEMMs, attentionCoreForwardFLOPs / (peak * share))
        }
        return asGEMMs
    }

    private var unfusedAttentionForwardSeconds: Double {
        let speed = DeviceSpeed(
            profile: cluster.profile, precision: config.precision == .fp8 ? .bf16 : config.precision)
        let s = Double(config.sequenceLength)
        let qk = Double(model.latentAttention?.queryKeyHeadDim ?? model.headDim)
        let v = Double(model.latentAttention?.valueHeadDim ?? model.headDim)
        let heads = Double(config.microbatchSize * model.attentionHeads) / t
        let perHead = 2 * s / Double(config.context) * s
        // One batched GEMM (baddbmm) over all heads for the scores, one for the values.
        return speed.gemmSeconds(flops: perHead * qk * heads) + speed.gemmSeconds(flops: perHead * v * heads)
            + speed.memorySeconds(bytes: 13 * attentionScores)
    }

    /// HBM traffic of the memory-bound kernels of one layer's forward pass, bytes: two norms (2
    /// passes over the hidden state each when fused, about 7 as eager ops) and two residual adds (3
    /// each), rotary embedding of Q and K (2 passes fused, 4 eager), the activation function (3 passes
    /// over f for gated FFNs fused, 5 eager; 2 for GELU), MoE token permutation. The op counts are
    /// those of fused kernels (Megatron-Core megatron/core/fusions/, Transformer Engine) against the
    /// separate ops of eager PyTorch (`FusedKernel`). FP8 adds a scaled cast of every GEMM input and
    /// output gradient (an amax pass, a read and a 1-byte write: about one more pass over each
    /// activation).
    func elementwiseBytes(_ kind: LayerKind) -> Double {
        let fused = framework.fusedKernels
        let normPasses: Double = fused.contains(.norm) ? 2 : 7
        let hidden = (2 * normPasses + 2 * 3) * tokens * h / hiddenShard
        let rotaryPasses: Double = fused.contains(.rotary) ? 2 : 4
        let qkv = rotaryPasses * tokens * Double(model.attentionHeads + model.keyValueHeads) * Double(model.headDim) / t
        let passes = model.feedForward == .gated ? (fused.contains(.activation) ? 3.0 : 5.0) : 2.0
        var ffn: Double
        switch kind {
        case .dense:
            ffn = passes * tokens * Double(model.ffnHiddenSize) / t
        case .moe(let moe):
            let routed = routedPairs
            ffn =
                passes * routed * Double(moe.expertFFNHiddenSize) + 4 * routed * h
                + passes * tokens * Double(moe.sharedExperts * moe.sharedExpertFFNHiddenSize) / t
        }
        let casts = config.precision == .fp8 ? 1.0 : 0
        return (hidden + qkv + ffn) * activationValueBytes * (1 + casts)
    }

    /// Token-expert pairs one device computes per microbatch: T·k/t (balanced routing).
    var routedPairs: Double { tokens * Double(model.moe?.expertsPerToken ?? 0) / t }

    /// Forward FLOPs of the output layer (logits over the vocabulary split by t) on the last stage.
    var outputLayerForwardFLOPs: Double {
        2 * tokens * h * Double(model.vocabularySize) / t
    }

    /// Extra forward time per microbatch of selective recompute: the attention core (when recomputed)
    /// plus the GEMMs of the other recomputed modules (Megatron-Core `recompute_modules`): the dense
    /// FFN (`mlp`), the experts (`moe`), the latent-attention up-projections (`mla_up_proj`). The
    /// norms and the expert activation (`layernorm`, `moe_act`) are memory-bound and left out.
    func selectiveRecomputeSeconds(_ kind: LayerKind) -> Double {
        if usesEverySecondMatmul { return everySecondMatmulRecomputeSeconds(kind) }
        let modules = config.recomputeModules
        var seconds = modules.contains(.coreAttention) ? attentionCoreForwardSeconds : 0
        var gemms: [GEMM] = []
        let m = Double(model.feedForward.matrices)
        switch kind {
        case .dense where modules.contains(.mlp):
            gemms.append(GEMM(flops: 2 * tokens * h * Double(model.ffnHiddenSize) / t, count: m))
        case .moe(let moe) where modules.contains(.moe):
            let localExperts = Double(moe.experts) / Double(config.expert)
            gemms.append(
                GEMM(
                    flops: 2 * routedPairs / localExperts * h * Double(moe.expertFFNHiddenSize),
                    count: m * localExperts))
            if moe.sharedExperts > 0 {
                gemms.append(
                    GEMM(
                        flops: 2 * tokens * h * Double(moe.sharedExperts * moe.sharedExpertFFNHiddenSize) / t,
                        count: m))
            }
        default: break
        }
        if let mla = model.latentAttention, modules.contains(.latentUpProjection) {
            let a = Double(model.attentionHeads), qk = Double(mla.queryKeyHeadDim), v = Double(mla.valueHeadDim)
            if mla.qLoraRank > 0 {
                gemms.append(GEMM(flops: 2 * tokens * Double(mla.qLoraRank) * a * qk / t, count: 1))
            }
            gemms.append(
                GEMM(
                    flops: 2 * tokens * Double(mla.kvLoraRank) * a * (Double(mla.noPositionHeadDim) + v) / t,
                    count: 1))
        }
        seconds += gemms.reduce(0) { $0 + speed.gemmSeconds(flops: $1.flops, count: $1.count) }
        return seconds
    }
}
