import CostModel
import Testing

@testable import Planner

/// Capacity under p99 targets, colocated and disaggregated, checked against the simulation itself.
struct ServingCapacityTests {
    static let model = ReplicaPlacementTests.model
    static let a100 = HardwareProfile(
        name: "a100", description: "A100", densePeakTFLOPS: [.bf16: 312], memoryGiB: 80, memoryTBps: 2.039,
        linkGBpsOneDirection: 300, nicGbpsPerGPU: 200, gpusPerNode: 8, nvlinkDomainGPUs: 8)
    static let cluster = ClusterDescription(name: "a100-8", profile: a100, nodes: 1)
    static let workload = ServingWorkload(
        promptTokens: 512, outputTokens: 128, promptSpread: 0.5, outputSpread: 0.5, requests: 1000)
    static let limits = SchedulerLimits(maxBatchedTokens: 2048, maxSequences: 256)

    func plan(tensor: Int, replicas: Int) -> InferencePlan {
        let config = InferenceConfiguration(tensor: tensor, batchSize: 64, promptTokens: 512, outputTokens: 128)
        let option = ReplicaOption(model: Self.model, cluster: Self.cluster, group: 0, config: config)
        return InferencePlan(
            replicas: [(option, replicas)], outputTokensPerSecond: option.outputTokensPerSecond * Double(replicas),
            status: .optimal)
    }

    /// The rate found meets both p99 targets, 3% more misses one, and the plan's capacity is the
    /// replica's times the replica count.
    @Test func capacityIsTheEdgeOfTheTargets() {
        let targets = InferenceTargets(ttftSeconds: 0.5, tpotSeconds: 0.04)
        let p = plan(tensor: 2, replicas: 4)
        let capacity = ServingUnderLoad.capacity(
            plan: p, model: Self.model, cluster: Self.cluster, workload: Self.workload, targets: targets,
            limits: { _ in Self.limits })
        let each = capacity.perReplica[0].requestsPerSecond
        #expect(each > 0)
        #expect(abs(capacity.requestsPerSecond - 4 * each) < 1e-9)
        let sim = ServingUnderLoad.simulation(
            model: Self.model, cluster: Self.cluster, option: p.primary, workload: Self.workload, limits: Self.limits)
        #expect(ServingUnderLoad.meets(sim.run(.poisson(requestsPerSecond: each)), targets: targets))
        if capacity.limitedBy[0] != "throughput" {
            #expect(!ServingUnderLoad.meets(sim.run(.poisson(requestsPerSecond: 1.03 * each)), targets: targets))
        }
    }

    /// A decode replica's batch is the largest whose decode-only step meets TPOT: one more misses.
    @Test func decodeBatchIsTheLargestWithinTPOT() throws {
        let targets = InferenceTargets(tpotSeconds: 0.03)
        let cost = { (b: Int) in
            InferenceCost(
                model: Self.model, cluster: Self.cluster,
                config: InferenceConfiguration(tensor: 1, batchSize: b, promptTokens: 512, outputTokens: 128))
        }
        let side = try #require(
            DisaggregatedServing.decodeCapacity(
                cost: cost, workload: Self.workload, targets: targets, limits: Self.limits))
        #expect(cost(side.batch).decodeStepSeconds <= 0.03)
        #expect(side.batch == Self.limits.maxSequences || cost(side.batch + 1).decodeStepSeconds > 0.03)
        // Rate = B / (O · step): each sequence holds its slot for O steps.
        #expect(abs(side.rate - Double(side.batch) / (128 * side.tpot)) < 1e-9)
    }

    /// Disaggregation pays where prompts would lengthen the token interval: under a tight TPOT
    /// target the split serves more than colocated replicas on the same 8 GPUs; its TTFT p99
    /// includes the KV handover and meets the target.
    @Test func disaggregationWinsUnderTightTPOT() throws {
        let targets = InferenceTargets(ttftSeconds: 0.5, tpotSeconds: 0.02)
        let p = plan(tensor: 2, replicas: 4)
        let colocated = ServingUnderLoad.capacity(
            plan: p, model: Self.model, cluster: Self.cluster, workload: Self.workload, targets: targets,
            limits: { _ in Self.limits })
        let split = try #require(
            DisaggregatedServing.best(
                model: Self.model, cluster: Self.cluster, group: 0, devices: 8, template: p.primary.config,
                workload: Self.workload, targets: targets, limits: Self.limits))
        #expect(split.prefill.count * split.prefill.tensor + split.decode.count * split.decode.tensor <= 8)
        #expect(split.ttftP99Seconds <= 0.5 && split.tpotSeconds <= 0.02)
        #expect(split.kvTransferSeconds > 0)
        #expect(split.requestsPerSecond > colocated.requestsPerSecond, "\(split) vs \(colocated.requestsPerSecond)")
    }
}
