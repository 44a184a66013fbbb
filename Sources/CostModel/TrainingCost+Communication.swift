/// Communication time of a step (docs/cost-model.md, "Communication"), each collective on the link its
/// group spans (NVLink inside the domain, the network otherwise).
extension TrainingCost {
    /// Exposed communication of one layer for one microbatch, forward and backward.
    /// - Tensor parallel: 2 all-reduces of T·h values per pass (or all-gather + reduce-scatter pairs
    ///   of the same volume with sequence parallelism; Shoeybi 2019, Korthikanti 2022); the profile's
    ///   `tensorCommOverlap` share hides behind the GEMMs (Megatron-Core's userbuffer overlap).
    /// - Context parallel: a ring pass of the local K and V, c−1 hops (2× in the backward for their
    ///   gradients), overlapped with the attention core; only the excess is exposed.
    /// - Expert parallel: all-to-all dispatch and combine of T·k/t·h values per pass; bytes bound for
    ///   other nodes cross the NICs while the rest moves over NVLink. Under the interleaved schedule
    ///   Megatron-Core overlaps one microbatch's all-to-all with another's compute (only the excess
    ///   over the layer's compute is exposed). Each MoE layer also pays the profile's fixed dispatch
    ///   overhead per pass (host synchronisation on token counts, many small kernels).
    /// - ZeRO-3: all-gather of the layer's weights before the forward and the backward and a
    ///   reduce-scatter of its gradients, prefetched behind the layer's compute; ZeRO-2: the
    ///   reduce-scatter behind the backward. The part that hides still slows the compute it runs
    ///   beside by the profile's `overlapSlowdown` share of its time (Lee et al. 2025, arXiv:2507.03114).
    func communication(
        _ kind: LayerKind, forwardComputeSeconds: Double, backwardComputeSeconds: Double
    )
        -> (
            forward: Double, backward: Double, expertForward: Double, expertBackward: Double, shardForward: Double,
            shardBackward: Double
        )
    {
        let valueBytes = activationValueBytes
        let tensorLink = cluster.link(groupSize: config.tensor, stride: config.tensorStride)
        let message = tokens * h * valueBytes
        let hidden = framework.tensorCommOverlap ? cluster.profile.efficiency.tensorCommOverlap : 0
        let tensorPerPass = 2 * tensorLink.allReduceSeconds(bytes: message, group: config.tensor) * (1 - hidden)
        var forward = tensorPerPass
        var backward = tensorPerPass

        if config.context > 1 {
            let contextLink = cluster.link(groupSize: config.context, stride: config.contextStride)
            let kvHeads = Double(model.latentAttention == nil ? model.keyValueHeads : model.attentionHeads)
            let headDim = Double(model.latentAttention?.queryKeyHeadDim ?? model.headDim)
            let kv = 2 * tokens * kvHeads * headDim / t * valueBytes
            let ring = Double(config.context - 1) * contextLink.sendSeconds(bytes: kv)
            forward += max(0, ring - attentionCoreForwardSeconds)
            backward += max(0, 2 * ring - attentionCoreBackwardSeconds)
        }

        // The fixed dispatch overhead is the expert layer's, so the breakdown files it under expert comm.
        var expertForward = 0.0, expertBackward = 0.0
        if case .moe = kind {
            let overhead = cluster.profile.efficiency.moeLayerOverheadMicroseconds * 1e-6
            forward += overhead
            backward += overhead
            expertForward += overhead
            expertBackward += overhead
        }
        if case .moe = kind, config.expert > 1 {
            let perPass = 2 * expertAllToAllSeconds(bytes: routedPairs * h * valueBytes)
            let exposedForward = config.virtualStages > 1 ? max(0, perPass - forwardComputeSeconds) : perPass
            let exposedBackward = config.virtualStages > 1 ? max(0, perPass - backwardComputeSeconds) : perPass
            expertForward += exposedForward
            expertBackward += exposedBackward
            forward += exposedForward
            backward += exposedBackward
        }

        // What a sharded collective hides behind the layer's compute still slows that compute by the
        // device's `overlapSlowdown` share of the hidden time (its kernels hold SMs and HBM bandwidth).
        // The two run side by side, so the pass lasts max(collective, compute + s·hidden): beyond the
        // compute, max(collective − hidden, s·hidden).
        let slowdown = cluster.profile.efficiency.overlapSlowdown
        var shardForward = 0.0, shardBackward = 0.0
        if sharding == 2 {
            // ZeRO-2 keeps only its gradient shard, so it reduce-scatters every microbatch's gradients
            // (DeepSpeed; FSDP SHARD_GRAD_OP), behind the backward pass.
            let params = deviceParameters(kind)
            let link = cluster.link(groupSize: config.dataShards, stride: config.dataShardStride)
            let bytes = framework.gradientReduceBytes
            let reduce =
                link.gatherSeconds(bytes: params.dense * bytes, group: config.dataShards)
                + link.gatherSeconds(bytes: params.expert * bytes, group: config.expertDataShards)
            let hidden = min(reduce, backwardComputeSeconds)
            shardBackward = framework.gradientReduceOverlap ? max(reduce - hidden, slowdown * hidden) : reduce
        }
        if sharding >= 3 {
            let params = deviceParameters(kind)
            let weights = computeWeightBytes, gradients = framework.gradientReduceBytes
            let denseLink = cluster.link(groupSize: config.dataShards, stride: config.dataShardStride)
            let gather =
                denseLink.gatherSeconds(bytes: params.dense * weights, group: config.dataShards)
                + denseLink.gatherSeconds(bytes: params.expert * weights, group: config.expertDataShards)
            let reduce =
                denseLink.gatherSeconds(bytes: params.dense * gradients, group: config.dataShards)
                + denseLink.gatherSeconds(bytes: params.expert * gradients, group: config.expertDataShards)
            // Prefetched gathers hide behind the layer's compute; the reduce-scatter behind the backward
            // where the framework overlaps it.
            let overlappedGather = framework.parameterGatherOverlap ? gather : 0
            let overlappedReduce = framework.gradientReduceOverlap ? reduce : 0
            let hiddenForward = min(overlappedGather, forwardComputeSeconds)
            let hiddenBackward = min(overlappedGather + overlappedReduce, backwardComputeSeconds)
            shardForward = max(overlappedGather - hiddenForward, slowdown * hiddenForward) + (gather - overlappedGather)
            shardBackward =
                max(overlappedGather + overlappedReduce - hiddenBackward, slowdown * hiddenBackward)
                + (gather - overlappedGather) + (reduce - overlappedReduce)
        }
        return (
            forward + shardForward, backward + shardBackward, expertForward, expertBackward, shardForward, shardBackward
        )
    }

    /// One all-to-all over the expert-parallel group, each device holding `bytes`: the share bound
    /// for other nodes over the NIC, the share staying inside the NVLink domain over NVLink, in parallel.
    func expertAllToAllSeconds(bytes: Double) -> Double {
        let group = Double(config.expert)
        let local = Double(min(config.expert, cluster.nvlinkDomainGPUs))
        let nvlink = (local - 1) / group * bytes / cluster.nvlinkBytesPerSecond
        let network = (group - local) / group * bytes / cluster.networkBytesPerSecond
        let hops =
            Double(config.expert - 1)
            * (config.expert > cluster.nvlinkDomainGPUs
                ? cluster.interNodeLatencySeconds : cluster.intraNodeLatencySeconds)
        return max(nvlink, network) + hops
    }

    /// Data-parallel synchronisation of `dense` and `expert` parameters once per step (ZeRO 0–2):
    /// ZeRO 0 all-reduces the gradients; ZeRO 1 reduce-scatters them and all-gathers the updated
    /// 16-bit weights (Megatron's distributed optimizer); ZeRO 2 only gathers, its gradients were
    /// reduce-scattered per microbatch. Gradients travel in the framework's `gradientReduceBytes`
    /// (fp32 in Megatron unless --grad-reduce-in-bf16). ZeRO-3 syncs per microbatch instead.
    func gradientSyncSeconds(denseParameters: Double, expertParameters: Double) -> Double {
        guard sharding < 3 else { return 0 }
        // ZeRO 1 and 2 gather the updated weights; ZeRO 2's gradients were reduce-scattered per microbatch.
        let gather = parameterGatherSeconds(denseParameters: denseParameters, expertParameters: expertParameters)
        if sharding == 2 { return gather }
        let link = cluster.link(groupSize: config.dataShards, stride: config.dataShardStride)
        let expertLink = cluster.link(groupSize: config.expertDataShards, stride: config.expert)
        let dense = denseParameters * framework.gradientReduceBytes
        let expert = expertParameters * framework.gradientReduceBytes
        if sharding == 0 {
            return link.allReduceSeconds(bytes: dense, group: config.dataShards)
                + expertLink.allReduceSeconds(bytes: expert, group: config.expertDataShards)
        }
        return link.gatherSeconds(bytes: dense, group: config.dataShards)
            + expertLink.gatherSeconds(bytes: expert, group: config.expertDataShards) + gather
    }

    /// The weight all-gather inside `gradientSyncSeconds`: under ZeRO 1 and 2 each rank updates its shard
    /// and all-gathers the 16-bit weights of the others once per step, after the optimizer. It runs before
    /// the next forward needs them, so it can hide only behind the first microbatch's forward (Megatron's
    /// --overlap-param-gather dispatches it per bucket and waits in forward pre-hooks), never behind a
    /// backward. 0 for ZeRO 0 (no gather) and ZeRO 3 (gathers per microbatch, in the layer times).
    func parameterGatherSeconds(denseParameters: Double, expertParameters: Double) -> Double {
        guard sharding == 1 || sharding == 2 else { return 0 }
        let link = cluster.link(groupSize: config.dataShards, stride: config.dataShardStride)
        let expertLink = cluster.link(groupSize: config.expertDataShards, stride: config.expert)
        return link.gatherSeconds(bytes: denseParameters * computeWeightBytes, group: config.dataShards)
            + expertLink.gatherSeconds(bytes: expertParameters * computeWeightBytes, group: config.expertDataShards)
    }

    /// Adam update of the local optimizer shard: about 32 bytes of HBM traffic per parameter
    /// (read gradient 4, master 4, moments 8; write master 4, moments 8, 16-bit weight 2, zero grad 2).
    func optimizerSeconds(denseParameters: Double, expertParameters: Double) -> Double {
        let shards = sharding >= 1 ? (Double(config.dataShards), Double(config.expertDataShards)) : (1, 1)
        let local = denseParameters / shards.0 + expertParameters / shards.1
        return speed.memorySeconds(bytes: 32 * local)
    }

    /// One pipeline send of a microbatch's activations (T·h values, ÷t with sequence parallelism)
    /// between adjacent stages, forward and backward together. The interleaved schedule overlaps
    /// sends with the next chunk's compute (Megatron's overlap_p2p_comm), leaving only the latency.
    /// Where the cluster file gives what a cross-node handoff cost for this framework beyond that, it is added
    /// (`pipelineHandoffSeconds`).
    public var pipelineSendSeconds: Double {
        guard config.pipeline > 1 else { return 0 }
        let link = cluster.link(groupSize: 2, stride: config.pipelineStride)
        let transfer =
            config.virtualStages > 1
            ? 2 * link.latencySeconds : 2 * link.sendSeconds(bytes: tokens * h * activationValueBytes / hiddenShard)
        return transfer + pipelineHandoffSeconds
    }

    /// What a handoff between stages on different nodes cost on this cluster beyond the transfer
    /// (`ClusterDescription.pipelineHandoff`, at the job's node count), once per chunk boundary; 0 when the
    /// pipeline stays in one NVLink domain, the cluster has no table, or the table is another framework's.
    var pipelineHandoffSeconds: Double {
        guard let handoff = cluster.pipelineHandoff, handoff.framework == framework.name,
            config.pipeline * config.pipelineStride > cluster.nvlinkDomainGPUs
        else { return 0 }
        return handoff.seconds(nodes: cluster.groups.reduce(0) { $0 + $1.nodes })
    }
}
