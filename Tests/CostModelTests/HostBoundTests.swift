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

/// `Framework.gradientAccumulationPassBytes`: an unfused fp32 accumulation adds 10 bytes of HBM traffic
/// per parameter to every microbatch's backward and nothing else.
struct GradientAccumulationPassTests {
    /// Llama-3-70B layer at tp 8: attention 8192·(8192 + 2·1024) + 8192² = 151,011,328, SwiGLU
    /// 3·8192·28672 = 704,643,072, so 855,654,400 / 8 = 106,956,800 parameters per device (the two
    /// norms, 16,384 replicated, add 16,384: 106,973,184). 10 bytes each over A100's 2,039 GB/s × 0.8:
    /// 1,069,731,840 / 1.6312e12 = 0.65579 ms.
    @Test func unfusedAccumulationAddsItsBytesToTheBackward() {
        let config = ParallelConfiguration(
            tensor: 8, pipeline: 1, data: 1, microbatchSize: 1, globalBatchSize: 8, sequenceLength: 2048)
        func layer(bytes: Double) -> LayerCost {
            var framework = Framework.megatronDefaults
            framework.gradientAccumulationPassBytes = bytes
            return TrainingCost(
                model: Models.llama3_70b, cluster: Devices.cluster(nodes: 1), config: config, framework: framework
            ).layer(.dense)
        }
        let fused = layer(bytes: 0), unfused = layer(bytes: 10)
        #expect(unfused.forwardComputeSeconds == fused.forwardComputeSeconds)
        let added = unfused.backwardComputeSeconds - fused.backwardComputeSeconds
        #expect(abs(added - 0.65579e-3) < 1e-7, "\(added), \(fused.parameters) parameters")
    }
}
