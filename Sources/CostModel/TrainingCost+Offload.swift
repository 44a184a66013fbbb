/// CPU activation offload (Megatron-Core's `cpu_offloading_num_layers`, activations only, through
/// Transformer Engine's `get_cpu_offload_context`): the first N of L layers copy what they keep for
/// their backward to host memory and copy it back for their backward. TE spreads the copies over the
/// forward (transformer_engine/pytorch/cpu_offload.py, `AsyncDoubleBufferGroupOffloadHandler`): copy k
/// starts when the window of copy k − 1 closes and the compute stream waits for it at the end of layer
/// w(k) (`layer_window_map`: w(k) = ⌊L/N⌋·(k + 1) − 1, plus the first L mod N windows one layer wider),
/// so each copy hides behind about L/N layers; reloads run through the same windows backwards.
/// Megatron-Core allows it only with pp 1 and no recompute (transformer_config.py), so one microbatch
/// is in flight.
extension TrainingCost {
    /// The last layer of each offloaded group's copy window, TE's `layer_window_map`.
    package static func offloadWindowEnds(layers: Int, offloaded: Int) -> [Int] {
        guard offloaded > 0, layers > offloaded else { return [] }
        let base = layers / offloaded, wider = layers % offloaded
        var ends: [Int] = []
        var constant = 0
        for k in 0..<offloaded {
            var end = base * (k + 1) - 1
            if k < wider {
                end += k + 1
                constant = k + 1
            } else {
                end += constant
            }
            ends.append(end)
        }
        return ends
    }

    /// The cost of each of the model's layers in order (dense layers first, `layerGroups`), each kind
    /// costed once.
    private var layerCostsInOrder: [LayerCost] {
        layerGroups.flatMap { group in Array(repeating: layer(group.kind), count: group.count) }
    }

    /// Activation bytes of one microbatch that wait on the host instead of the device: the offloaded
    /// layers' `LayerCost.activationBytes` less the largest of them, because at the start of the
    /// backward TE has reloaded the last offloaded layer while the layers above it still hold theirs.
    package var offloadedActivationBytes: Double {
        guard config.offloadedLayers > 0, config.offloadedLayers < model.layers else { return 0 }
        let bytes = layerCostsInOrder.prefix(config.offloadedLayers).map(\.activationBytes)
        return bytes.reduce(0, +) - (bytes.max() ?? 0)
    }

    /// Seconds per microbatch the copies add where they outlast their windows: for each offloaded layer
    /// k, max(0, a_k / B − Σ forward of its window's layers) in the forward and the same against the
    /// window's backward, with a_k its activation bytes and B the host link's one-direction rate times
    /// `Assumption.hostCopyEfficiency`. The first window starts after layer 0, so it is a layer shorter.
    package var offloadExposedSeconds: (forward: Double, backward: Double) {
        guard config.offloadedLayers > 0 else { return (0, 0) }
        let costs = layerCostsInOrder
        let ends = Self.offloadWindowEnds(layers: costs.count, offloaded: config.offloadedLayers)
        guard let GBps = cluster.profile.hostLinkGBpsOneDirection, !ends.isEmpty else { return (0, 0) }
        let bytesPerSecond = GBps * 1e9 * Assumption.hostCopyEfficiency
        var forward = 0.0, backward = 0.0
        for (k, end) in ends.enumerated() {
            let copy = costs[k].activationBytes / bytesPerSecond
            let window = costs[(k == 0 ? 1 : ends[k - 1] + 1)...end]
            let covered = window.reduce((0.0, 0.0)) {
                (
                    $0.0 + $1.forwardComputeSeconds + $1.forwardCommSeconds,
                    $0.1 + $1.backwardComputeSeconds + $1.backwardCommSeconds
                )
            }
            forward += max(0, copy - covered.0)
            backward += max(0, copy - covered.1)
        }
        return (forward, backward)
    }
}
