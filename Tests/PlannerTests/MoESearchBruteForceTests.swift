import CostModel
import Testing

@testable import Planner

/// The pruned search (lower bounds on forced recompute, water-filling over ranks, expert
/// all-to-all, the cached top-k cutoff) finds the same optimum as evaluating every configuration a
/// mixture-of-experts search space holds, each with its brute-force layer split.
struct MoESearchBruteForceTests {
    @Test(arguments: [16, 64])
    func searchEqualsBruteForce(globalBatch: Int) throws {
        let model = ModelDescription(
            name: "moe-small", layers: 8, hiddenSize: 4096, attentionHeads: 32, ffnHiddenSize: 14336,
            vocabularySize: 32000, maxPositions: 4096,
            moe: MixtureOfExperts(experts: 8, expertsPerToken: 2, expertFFNHiddenSize: 14336))
        let cluster = ClusterDescription(name: "h100-16", profile: MixedClusterTests.fast, nodes: 2)
        var space = SearchSpace(
            model: model, cluster: cluster, globalBatchSize: globalBatch, sequenceLength: 4096,
            framework: .megatronDefaults)
        space.framework.interleavedSchedule = false
        let configs = space.configurations()
        #expect(configs.contains { $0.expert > 1 }, "no expert parallelism enumerated")
        var best = Double.infinity
        for config in configs {
            let table = TrainingCost(model: space.model, cluster: cluster, config: config, framework: space.framework)
                .pipelineTable
            if let brute = BruteForceSplit.best(table) { best = min(best, brute.schedule.stepSeconds) }
        }
        #expect(best.isFinite)
        let result = TrainingSearch.run(space: space, options: SearchOptions(top: 1))
        let plan = try #require(result.plans.first)
        #expect(
            abs(plan.estimate.stepSeconds / best - 1) < 1e-6, "search \(plan.estimate.stepSeconds) vs brute \(best)")
    }
}
