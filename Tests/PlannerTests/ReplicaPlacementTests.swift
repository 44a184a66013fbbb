import CostModel
import Testing

@testable import Planner

/// The replica-placement integer program against brute force over every replica count.
struct ReplicaPlacementTests {
    static let model = ModelDescription(
        name: "llama2-7b", layers: 32, hiddenSize: 4096, attentionHeads: 32, ffnHiddenSize: 11008,
        vocabularySize: 32000, maxPositions: 4096, feedForward: .gated, tiedEmbeddings: false)

    @Test(arguments: [1, 2, 3])
    func equalsBruteForce(nodes: Int) throws {
        let profile = HardwareProfile(
            name: "a100", description: "A100", densePeakTFLOPS: [.bf16: 312], memoryGiB: 80, memoryTBps: 2.039,
            linkGBpsOneDirection: 300, nicGbpsPerGPU: 200, gpusPerNode: 8, nvlinkDomainGPUs: 8)
        let h100 = HardwareProfile(
            name: "h100", description: "H100", densePeakTFLOPS: [.bf16: 989, .fp8: 1979], memoryGiB: 80,
            memoryTBps: 3.35,
            linkGBpsOneDirection: 450, nicGbpsPerGPU: 400, gpusPerNode: 8, nvlinkDomainGPUs: 8)
        let cluster = ClusterDescription(
            name: "mixed",
            groups: [
                .init(profile: profile, nodes: nodes, gpusPerNode: 4),
                .init(profile: h100, nodes: 1, gpusPerNode: 2),
            ])
        let options = InferenceSearch.options(
            model: Self.model, cluster: cluster, promptTokens: 512, outputTokens: 128,
            targets: InferenceTargets(tpotSeconds: 0.05))
        #expect(!options.isEmpty)
        let plan = try ReplicaPlacementProgram(cluster: cluster, options: options).solve()
        // Brute force: every vector of replica counts within each group's devices.
        var best = 0.0
        func search(_ o: Int, _ free: [Int], _ total: Double) {
            if o == options.count { best = max(best, total); return }
            let option = options[o]
            let most = free[option.group] / option.config.devicesPerReplica
            for count in 0...most {
                var left = free
                left[option.group] -= count * option.config.devicesPerReplica
                search(o + 1, left, total + Double(count) * option.outputTokensPerSecond)
            }
        }
        search(0, cluster.groups.map(\.devices), 0)
        #expect(
            abs(plan.outputTokensPerSecond / best - 1) < 1e-9,
            "ILP \(plan.outputTokensPerSecond) vs brute force \(best)")
        #expect(plan.status == .optimal)
        // Every option meets the TPOT target.
        #expect(plan.replicas.allSatisfy { $0.option.tpotSeconds <= 0.05 })
    }
}
