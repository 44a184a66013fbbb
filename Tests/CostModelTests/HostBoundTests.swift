import CostModel
import Testing

/// `Framework.hostLayerForwardSeconds`: a pass takes the longer of its GPU time and the host time to
/// issue it, the backward twice the forward's host time (`TrainingCost.layer`).
struct HostBoundTests {
    let config = ParallelConfiguration(
        tensor: 8, pipeline: 1, data: 1, microbatchSize: 1, globalBatchSize: 8, sequenceLength: 2048)

    func layer(host seconds: Double) -> LayerCost {
        var framework = Framework.megatronDefaults
        framework.hostLayerForwardSeconds = seconds
        let cost = TrainingCost(
            model: Models.llama3_70b, cluster: Devices.cluster(nodes: 1), config: config, framework: framework)
        return cost.layer(.dense)
    }

    @Test func slowHostSetsThePace() {
        let gpu = layer(host: 0)
        #expect(gpu.forwardComputeSeconds > 0 && gpu.backwardComputeSeconds > gpu.forwardComputeSeconds)
        // A host that keeps ahead changes nothing.
        let ahead = layer(host: gpu.forwardComputeSeconds / 2)
        #expect(ahead.forwardComputeSeconds == gpu.forwardComputeSeconds)
        #expect(ahead.backwardComputeSeconds == gpu.backwardComputeSeconds)
        // A host ten times slower than the GPU's forward: forward 10·f, backward 20·f.
        let f = gpu.forwardComputeSeconds
        let behind = layer(host: 10 * f)
        #expect(behind.forwardComputeSeconds == 10 * f)
        #expect(behind.backwardComputeSeconds == 20 * f)
    }
}
