/// Memory one device holds: parameter state under ZeRO (Rajbhandari et al. 2020) and activations
/// per layer per microbatch (Korthikanti et al. 2022, Table 2, generalised to GQA, gated FFNs, MoE
/// and a flash-attention core, which stores its output and log-sum-exp instead of the s² scores).
extension TrainingCost {
    /// Parameters of one layer on this device: non-expert weights split by t, experts by e.
    func deviceParameters(_ kind: LayerKind) -> (dense: Double, expert: Double) {
        switch kind {
        case .dense:
            return (model.denseLayerParameters / t, 0)
        case .moe:
            let nonExpert = model.moeLayerParameters - model.moeExpertParameters
            return (nonExpert / t, model.moeExpertParameters / Double(config.expert))
        }
    }

    /// Bytes per parameter of each part of the state, before sharding, as the framework allocates them
    /// (Rajbhandari et al. 2020; Megatron-Core's distributed-optimizer table): the persistent 16-bit
    /// weights, the gradient buffer (4 with fp32 main gradients) and the optimizer's fp32 master weights
    /// plus Adam moments. With bf16, fp32 gradients and the distributed optimizer over d ranks that is
    /// 2 + 4 + 12/d = 6 + 12/d. FP8 training keeps 16-bit weights; its FP8 casts are transient.
    /// FP32 training: 4 + 4 + 8 (the weights are the master copy).
    var bytesPerParameter: (weights: Double, gradients: Double, optimizer: Double) {
        switch config.precision {
        case .fp32, .tf32: (4, 4, 8)
        default:
            (
                framework.weightsBytes, framework.gradientAccumulationBytes,
                framework.masterWeightsBytes + framework.optimizerStateBytes
            )
        }
    }

    /// Bytes per parameter of the weights a layer computes with, and so of the weight all-gathers
    /// (per layer under ZeRO-3, after the step under ZeRO 1-2): 16 bits, or 4 in fp32 training, or 1
    /// where FP8 training gathers FP8 weights (`Framework.fp8WeightGather`).
    var computeWeightBytes: Double {
        switch config.precision {
        case .fp32, .tf32: 4
        case .fp8 where framework.fp8WeightGather: 1
        default: 2
        }
    }

    /// State bytes for `dense` non-expert and `expert` parameters after ZeRO sharding over the
    /// data-parallel shards (d·c for non-expert, t·d·c/e for expert parameters):
    /// ZeRO-1 shards the optimizer, ZeRO-2 also gradients, ZeRO-3 also weights.
    public func stateBytes(denseParameters: Double, expertParameters: Double) -> Double {
        stateBreakdown(denseParameters: denseParameters, expertParameters: expertParameters).total
    }

    /// The same, split into weights, gradients and optimizer state.
    public func stateBreakdown(
        denseParameters: Double, expertParameters: Double
    )
        -> (weights: Double, gradients: Double, optimizer: Double, total: Double)
    {
        let bytes = bytesPerParameter
        let z = sharding
        func part(_ perParameter: Double, shardedFrom stage: ZeROStage) -> Double {
            let denseShards = z >= stage ? Double(config.dataShards) : 1
            let expertShards = z >= stage ? Double(config.expertDataShards) : 1
            return perParameter * (denseParameters / denseShards + expertParameters / expertShards)
        }
        let weights = part(bytes.weights, shardedFrom: 3)
        // The data-parallel wrapper's own buckets (PyTorch DDP) are never sharded.
        let buckets = config.dataShards > 1 ? framework.dataParallelBucketBytes : 0
        let gradients = part(bytes.gradients, shardedFrom: 2) + buckets * (denseParameters + expertParameters)
        let optimizer = part(bytes.optimizer, shardedFrom: 1)
        return (weights, gradients, optimizer, weights + gradients + optimizer)
    }

    /// Activation bytes one layer keeps for one microbatch when nothing is recomputed (T = b·s/c):
    /// norm inputs 4·T·h and the QKV and FFN inputs 2·T·h each (÷t under sequence parallelism);
    /// Q, K, V 2·T·(a+2k)·d/t; the attention output 2·T·a·d/t plus fp32 log-sum-exp 4·T·a/t;
    /// FFN internals 4·T·f/t (GELU) or 6·T·f/t (gated); routed experts per token-expert pair the
    /// permuted input 2·h plus their internals. For GPT-3 with t = 1 this gives 32·s·b·h, Korthikanti's
    /// 34·s·b·h less the two dropout masks (modern pre-training uses no dropout).
    func activationBytes(_ kind: LayerKind) -> Double {
        if usesEverySecondMatmul { return everySecondMatmulActivationBytes(kind) }
        let a = Double(model.attentionHeads)
        // FP8 GEMMs save their inputs for the backward pass as FP8 casts (Transformer Engine): the QKV,
        // FFN-input and output-projection inputs take 1 byte per value instead of 2.
        let gemmInput = config.precision == .fp8 ? 0.5 : 1.0
        let recomputed = selectiveModules
        let normOutputs = recomputed.contains(.layerNorm) ? 0 : 4 * gemmInput * tokens * h / hiddenShard
        let hiddenInputs = 4 * tokens * h / hiddenShard + normOutputs
        var attention: Double
        if let mla = model.latentAttention {
            let qk = Double(mla.queryKeyHeadDim), v = Double(mla.valueHeadDim)
            let upProjected = recomputed.contains(.latentUpProjection) ? 0 : 2 * tokens * a * (2 * qk + v) / t
            attention =
                2 * tokens * Double(mla.qLoraRank + mla.kvLoraRank + mla.ropeHeadDim)
                + upProjected + 2 * tokens * a * v / t + 4 * tokens * a / t
        } else {
            let d = Double(model.headDim), k = Double(model.keyValueHeads)
            attention = 2 * tokens * (a + 2 * k) * d / t + 2 * gemmInput * tokens * a * d / t + 4 * tokens * a / t
        }
        // Unfused core: softmax output 2·a·s²·b, dropout mask a·s²·b and output 2·a·s²·b (Korthikanti's
        // 5·a·s/h term), unless selective recompute drops it.
        if !config.flashAttention && !recomputed.contains(.coreAttention) { attention += 5 * attentionScores }
        // FFN internals per hidden unit: gated keeps the gate and up outputs (2 + 2) and the product
        // that feeds the down projection (2, or 1 as an FP8 cast); GELU keeps its input (2) and output.
        // An eager gated activation, act(gate) · up as two ops, also keeps act(gate) for the product's
        // backward (2 more); a fused kernel (Megatron-Core's bias_swiglu) recomputes it from the gate.
        let eagerActivation = model.feedForward == .gated && !framework.fusedKernels.contains(.activation) ? 2.0 : 0
        let perHidden = (model.feedForward == .gated ? 4.0 : 2.0) + 2 * gemmInput + eagerActivation
        var ffn: Double
        switch kind {
        case .dense:
            ffn = recomputed.contains(.mlp) ? 0 : perHidden * tokens * Double(model.ffnHiddenSize) / t
        case .moe(let moe):
            // moe_act recomputes the activation function: gated experts drop the product (2 bytes).
            let expertHidden = perHidden - (recomputed.contains(.moeActivation) && model.feedForward == .gated ? 2 : 0)
            ffn =
                recomputed.contains(.moe)
                ? 0
                : routedPairs * (2 * h + expertHidden * Double(moe.expertFFNHiddenSize))
                    + perHidden * tokens * Double(moe.sharedExperts * moe.sharedExpertFFNHiddenSize) / t
            ffn += 4 * tokens * Double(moe.experts)
        }
        return hiddenInputs + attention + ffn
    }

    /// Selective recompute here is the per-op rule (`SelectiveRecompute.everySecondMatmul`); latent
    /// attention keeps the module rule, which the per-op order is not written for.
    var usesEverySecondMatmul: Bool {
        config.recompute == .selective && framework.selectiveRecompute == .everySecondMatmul
            && model.latentAttention == nil
    }

    /// The modules selective recompute recomputes (none unless the granularity is selective).
    var selectiveModules: Set<RecomputeModule> {
        config.recompute == .selective ? config.recomputeModules : []
    }

    /// Bytes a fully recomputed layer keeps per microbatch: its input, 2·T·h (÷t with sequence
    /// parallelism, or where the framework distributes the kept inputs over the tensor ranks).
    var checkpointBytes: Double { 2 * tokens * h / checkpointShard }

    /// Divisor of the kept layer input: t under sequence parallelism or distributed checkpoints.
    var checkpointShard: Double { framework.distributedCheckpoints ? t : hiddenShard }

    /// Parameters of the input embedding on the first stage (vocabulary split by t).
    var embeddingDeviceParameters: Double { model.embeddingParameters / t }

    /// Parameters of the output layer on the last stage. A tied embedding still needs its own copy
    /// there when the first and last stage differ (Megatron keeps both and all-reduces their gradients).
    var outputDeviceParameters: Double {
        if !model.tiedEmbeddings || config.pipeline > 1 { return model.embeddingParameters / t }
        return 0
    }

    /// Logits kept for the loss on the last stage: T·V/t in fp32 (Megatron's vocab-parallel cross-entropy).
    var logitsBytes: Double { 4 * tokens * Double(model.vocabularySize) / t }

    /// Logit memory at its peak, while the loss runs: the output layer's 16-bit logits and the fp32
    /// tensors the cross-entropy makes of them are alive together, `framework.lossLogitBytes` per T·V/t
    /// (6 with one fp32 copy: `logits.float()` then in-place ops; nanotron's sharded_cross_entropy casts
    /// and then subtracts the max out of place, 10). The 16-bit tensor is freed once the loss returns.
    var logitsPeakBytes: Double { framework.lossLogitBytes * tokens * Double(model.vocabularySize) / t }

    /// Memory no plan may use: CUDA context, NCCL and communication buffers, allocator fragmentation
    /// (`Assumption.reservedFixedBytes` plus `Assumption.reservedFraction` of the device).
    public var reservedBytes: Double {
        Assumption.reservedFixedBytes + Assumption.reservedFraction * cluster.profile.memoryBytes
    }

    /// Memory a stage may fill with state and activations.
    public var usableBytes: Double { cluster.profile.memoryBytes - reservedBytes }

    /// ZeRO-3 gathers a layer's full weights before using it; two layers are in flight (prefetch).
    var gatheredWeightBufferBytes: Double {
        guard sharding >= 3 else { return 0 }
        let dense = deviceParameters(.dense).dense
        let largest =
            model.moe.map { moe in
                let parameters = deviceParameters(.moe(moe))
                return max(dense, parameters.dense + parameters.expert)
            } ?? dense
        return 2 * largest * computeWeightBytes
    }
}
