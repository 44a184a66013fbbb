extension TrainingCost {
    /// The linear cost table of this configuration's pipeline (see `PipelineCostTable`); on a
    /// pipeline over several device groups, with each rank's own table (`mixedPipelineTable`).
    public var pipelineTable: PipelineCostTable {
        mixedStageGroups.map(mixedPipelineTable) ?? uniformPipelineTable
    }

    /// The table with every rank on this cost's device.
    var uniformPipelineTable: PipelineCostTable {
        let groups = layerGroups.map { entry -> PipelineCostTable.Group in
            let cost = layer(entry.kind)
            let selective = config.recompute == .selective ? cost.selectiveRecomputeSeconds : 0
            return .init(
                kind: entry.kind, count: entry.count, cost: cost,
                microbatchSeconds: cost.microbatchSeconds + selective,
                recomputeSeconds: cost.fullRecomputeSeconds)
        }
        let embeddingBytes = stateBytes(denseParameters: embeddingDeviceParameters, expertParameters: 0)
        let outputBytes = stateBytes(denseParameters: outputDeviceParameters, expertParameters: 0)
        // Embedding: a gather forward and a scatter-add backward, memory-bound over T·h values.
        let embeddingForward = speed.memorySeconds(bytes: 2 * tokens * h * activationValueBytes / hiddenShard)
        // Output layer: one GEMM forward, two backward, and the memory-bound softmax cross-entropy over the logits
        // (`Assumption.lossBytesPerLogit`).
        let logits = speed.gemmSeconds(flops: outputLayerForwardFLOPs)
        let loss = speed.memorySeconds(
            bytes: Assumption.lossBytesPerLogit * tokens * Double(model.vocabularySize) / t)
        let tensorLink = cluster.link(groupSize: config.tensor, stride: config.tensorStride)
        let lossComm =
            Assumption.lossAllReducePasses
            * tensorLink.allReduceSeconds(
                bytes: tokens * 4 * Assumption.lossAllReducesPerMicrobatch, group: config.tensor)
        let outputParameters = model.embeddingParameters / t
        // CPU activation offload (pp 1): the copies' exposed time joins the one chunk's extras.
        let offload = offloadExposedSeconds
        var table = PipelineCostTable(
            groups: groups,
            pipeline: config.pipeline,
            virtualStages: config.virtualStages,
            microbatches: config.microbatchCount,
            firstChunkSeconds: 3 * embeddingForward + offload.forward + offload.backward,
            lastChunkSeconds: 3 * logits + loss + lossComm,
            firstChunkBackwardSeconds: 2 * embeddingForward + offload.backward,
            lastChunkBackwardSeconds: 2 * logits,
            sendSeconds: pipelineSendSeconds,
            firstChunkStateBytes: embeddingBytes,
            lastChunkStateBytes: outputBytes,
            lastChunkActivationBytes: logitsPeakBytes,
            fixedBytesPerRank: gatheredWeightBufferBytes,
            firstChunkSyncSeconds: gradientSyncSeconds(denseParameters: embeddingDeviceParameters, expertParameters: 0),
            lastChunkSyncSeconds: gradientSyncSeconds(denseParameters: outputDeviceParameters, expertParameters: 0),
            firstChunkOptimizerSeconds: optimizerSeconds(
                denseParameters: embeddingDeviceParameters, expertParameters: 0),
            lastChunkOptimizerSeconds: optimizerSeconds(
                denseParameters: outputDeviceParameters == 0 ? 0 : outputParameters, expertParameters: 0),
            capacityBytes: usableBytes,
            allowsFullRecompute: config.recompute == .full,
            syncOverlapsBackward: framework.gradientReduceOverlap,
            recomputeLayers: framework.recomputeLayers)
        table.firstChunkGatherSeconds = parameterGatherSeconds(
            denseParameters: embeddingDeviceParameters, expertParameters: 0)
        table.lastChunkGatherSeconds = parameterGatherSeconds(
            denseParameters: outputDeviceParameters, expertParameters: 0)
        table.gatherOverlapsForward = framework.optimizerGatherOverlap
        // Korthikanti et al. 2022, section 4.3: full recompute keeps each layer's input and rebuilds one
        // layer's activations at a time for its backward.
        if config.recompute == .full {
            table.onceActivationBytesPerRank = groups.map(\.cost.activationBytes).max() ?? 0
        }
        table.onceActivationBytesPerRank -= offloadedActivationBytes
        if framework.pipelineSplit == .costThresholds {
            table.fixedLayout = StageLayout.costThresholds(
                groups: groups.map(\.count), layerCosts: groups.map { _ in nanotronLayerCost },
                headCost: model.embeddingParameters, chunks: table.chunks)
        }
        return table
    }

    /// nanotron's cost of one decoder layer for its pipeline split (`get_block_compute_costs`,
    /// src/nanotron/models/llama.py): 4·heads·head_dim·h for attention and 3·ffn·h for the gated MLP.
    /// The LM head's is vocab·h, `model.embeddingParameters`.
    var nanotronLayerCost: Double {
        let h = Double(model.hiddenSize)
        return 4 * Double(model.attentionHeads * model.headDim) * h + 3 * Double(model.ffnHiddenSize) * h
    }
}
