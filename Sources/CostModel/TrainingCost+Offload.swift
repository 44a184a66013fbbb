/// CPU activation offload (Megatron-Core's `cpu_offloading_num_layers`, activations only): the first
/// `config.offloadedLayers` layers copy what they keep for their backward to host memory while the
/// next layer runs its forward, and copy it back while the next layer runs its backward
/// (megatron/core/transformer/cpu_offload.py, a double-buffered group offload handler). Megatron-Core
/// allows it only with pp 1 and no recompute, so one microbatch is in flight and the bytes it saves
/// are those layers' activations, once.
extension TrainingCost {
    /// The offloaded layers' kinds, in model order (dense layers first, `layerGroups`), with the kind
    /// of the layer after each: its pass is what the copy hides behind.
    private var offloadedLayerPairs: [(kind: LayerKind, next: LayerKind)] {
        let kinds = layerGroups.flatMap { Array(repeating: $0.kind, count: $0.count) }
        let n = min(config.offloadedLayers, kinds.count - 1)
        guard n > 0 else { return [] }
        return (0..<n).map { (kinds[$0], kinds[$0 + 1]) }
    }

    /// Activation bytes of one microbatch that wait on the host instead of the device: Σ over the
    /// offloaded layers of `LayerCost.activationBytes`.
    package var offloadedActivationBytes: Double {
        offloadedLayerPairs.reduce(0) { $0 + layer($1.kind).activationBytes }
    }

    /// Seconds per microbatch the copies add where they outlast what they hide behind: for each
    /// offloaded layer, max(0, a / B − the next layer's forward) in the forward and max(0, a / B − the
    /// next layer's backward) in the backward, with a its activation bytes and B the host link's
    /// one-direction rate times `Assumption.hostCopyEfficiency`. Zero without offload.
    package var offloadExposedSeconds: (forward: Double, backward: Double) {
        guard let GBps = cluster.profile.hostLinkGBpsOneDirection, !offloadedLayerPairs.isEmpty else { return (0, 0) }
        let bytesPerSecond = GBps * 1e9 * Assumption.hostCopyEfficiency
        var forward = 0.0, backward = 0.0
        for (kind, next) in offloadedLayerPairs {
            let copy = layer(kind).activationBytes / bytesPerSecond
            let after = layer(next)
            forward += max(0, copy - after.forwardComputeSeconds - after.forwardCommSeconds)
            backward += max(0, copy - after.backwardComputeSeconds - after.backwardCommSeconds)
        }
        return (forward, backward)
    }
}
