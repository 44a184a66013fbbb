import CostModel
import Testing

@testable import Planner

/// The serving fit recovers the values that generated its data, and holding a family out predicts it
/// with values fitted on the other family only.
struct ServingCrossValidationTests {
    static let truth = Efficiency(
        decodeMemory: 0.6, decodeStepOverheadMicroseconds: 1000, kvCacheMemory: 0.5, prefillOverheadMicroseconds: 10000)

    /// Runs whose "measurements" are the model's own predictions under `truth`: batch 1 and 64,
    /// short and long prompts, so that each of the four keys shows in some metric.
    static func runs(family: String) -> [PublishedServingRun] {
        var profile = ServingCapacityTests.a100
        profile.efficiency = truth
        let cluster = ClusterDescription(name: "a100-1", profile: profile, nodes: 1, gpusPerNode: 1)
        var runs: [PublishedServingRun] = []
        for (batch, prompt) in [(1, 128), (1, 2048), (64, 128), (64, 2048), (16, 512)] {
            let config = InferenceConfiguration(
                batchSize: batch, promptTokens: prompt, outputTokens: 128, continuousBatching: false)
            let cost = InferenceCost(model: ReplicaPlacementTests.model, cluster: cluster, config: config)
            var generic = cluster
            generic.groups[0].profile.efficiency = Efficiency()
            runs.append(
                PublishedServingRun(
                    id: "\(family)-b\(batch)-p\(prompt)", fullySpecified: true, model: ReplicaPlacementTests.model,
                    cluster: generic, config: config, outputTokensPerSecond: cost.replicaOutputTokensPerSecond,
                    ttftSeconds: cost.ttftSeconds, tpotSeconds: cost.decodeStepSeconds, latencySeconds: nil))
        }
        return runs
    }

    @Test func fitRecoversTheGeneratingValues() throws {
        let fits = ServingCrossValidationReport.fit(Self.runs(family: "src-a"))
        let fit = try #require(fits["a100"]).fit
        #expect(fit.decodeMemory == 0.6 && fit.kvCacheMemory == 0.5, "\(fit) \(fits.count)")
        #expect(fit.decodeStepOverheadMicroseconds == 1000 && fit.prefillOverheadMicroseconds == 10000, "\(fit)")
    }

    @Test func heldOutFamilyIsPredictedFromTheOther() {
        let report = ServingCrossValidationReport(runs: Self.runs(family: "src-a") + Self.runs(family: "src-b"))
        #expect(report.families.map(\.family) == ["src-a", "src-b"])
        // Both families come from the same truth, so each is predicted exactly from the other.
        #expect(report.crossValidated.worstAbsoluteError < 1e-4, "\(report.crossValidated)")
        #expect(report.rows.count == 30)
    }
}
