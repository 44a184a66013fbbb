import CostModel
import Testing

@testable import Planner

/// Pipelines over several device groups: each rank costed on its own device, the split MILP equal to
/// brute force for any assignment of groups to ranks, and the search equal to brute force over
/// every placement and split.
struct MixedClusterTests {
    static let fast = HardwareProfile(
        name: "fast", description: "H100-like", densePeakTFLOPS: [.bf16: 989], memoryGiB: 80, memoryTBps: 3.35,
        linkGBpsOneDirection: 450, nicGbpsPerGPU: 400, gpusPerNode: 8, nvlinkDomainGPUs: 8)
    static let slow = HardwareProfile(
        name: "slow", description: "A100-like", densePeakTFLOPS: [.bf16: 312], memoryGiB: 40, memoryTBps: 1.555,
        linkGBpsOneDirection: 300, nicGbpsPerGPU: 200, gpusPerNode: 8, nvlinkDomainGPUs: 8)

    /// `fastNodes` nodes of the fast device, then `slowNodes` of the slow one, 100 Gb/s between them.
    static func cluster(fastNodes: Int, slowNodes: Int) -> ClusterDescription {
        ClusterDescription(
            name: "mixed",
            groups: [
                .init(profile: fast, nodes: fastNodes, gpusPerNode: 8),
                .init(profile: slow, nodes: slowNodes, gpusPerNode: 8),
            ],
            interNodeGbpsPerGPU: 100)
    }

    static func model(layers: Int, seed: Int = 0) -> ModelDescription {
        ModelDescription(
            name: "small", layers: layers, hiddenSize: 2048 + 256 * (seed % 3), attentionHeads: 16,
            ffnHiddenSize: 8192, vocabularySize: 32000, maxPositions: 4096)
    }

    @Test func placementsAreEachGroupThenEveryOrder() {
        let cluster = Self.cluster(fastNodes: 4, slowNodes: 4)
        #expect(StagePlacement.orders(of: cluster, mixed: true).map(\.order) == [[0], [1], [0, 1], [1, 0]])
        #expect(StagePlacement.orders(of: cluster, mixed: false).map(\.order) == [[0], [1]])
        let both = StagePlacement(order: [1, 0])
        #expect(both.stageGroups(stageDevices: 16, in: cluster) == [1, 1, 0, 0])
        #expect(both.stageGroups(stageDevices: 8, in: cluster) == [1, 1, 1, 1, 0, 0, 0, 0])
        #expect(both.stageGroups(stageDevices: 24, in: cluster) == nil)
        let three = ClusterDescription(
            name: "three", groups: cluster.groups + [.init(profile: Self.fast, nodes: 1, gpusPerNode: 8)])
        let orders = StagePlacement.orders(of: three, mixed: true).map(\.order)
        // 3 alone, 6 ordered pairs, 6 orders of all three.
        #expect(orders.count == 15)
        #expect(orders[3] == [0, 1] && orders[8] == [2, 1] && orders[9] == [0, 1, 2] && orders[14] == [2, 1, 0])
    }

    /// Rank r's coefficients are its group's own: the same as the uniform table on that group alone;
    /// the ranks next to the boundary send at the rate between groups.
    @Test func eachRankIsCostedOnItsOwnDevice() {
        let cluster = Self.cluster(fastNodes: 2, slowNodes: 2)
        var config = ParallelConfiguration(
            tensor: 8, pipeline: 4, data: 1, microbatchSize: 1, globalBatchSize: 8, sequenceLength: 4096)
        config.stageGroups = [1, 1, 0, 0]
        let cost = TrainingCost(
            model: Self.model(layers: 8), cluster: cluster, config: config, framework: .megatronDefaults)
        let table = cost.pipelineTable
        #expect(table.rankTables.count == 4)
        var uniform = config
        uniform.stageGroups = nil
        let alone = { (g: Int) in
            TrainingCost(
                model: Self.model(layers: 8), cluster: cluster.subcluster(group: g), config: uniform,
                framework: .megatronDefaults
            ).pipelineTable
        }
        let fastTable = alone(0), slowTable = alone(1)
        #expect(table.onRank(0).groups == slowTable.groups && table.onRank(3).groups == fastTable.groups)
        #expect(table.capacityBytes(rank: 0) == slowTable.capacityBytes)
        #expect(table.capacityBytes(rank: 3) == fastTable.capacityBytes)
        // A GEMM-bound layer on the 312-TFLOP/s device takes longer than on the 989 one, at most 989/312×.
        let ratio = slowTable.groups[0].microbatchSeconds / fastTable.groups[0].microbatchSeconds
        #expect(ratio > 1.5 && ratio < 989.0 / 312 * 1.05, "slow/fast layer time \(ratio)")
        // Stage size 8 (tp 8): each stage is one node, so every send is between nodes. Inside a group
        // it runs at the group's NIC (400 or 200 Gb/s); across the boundary (ranks 1 and 2) at 100.
        let bytes = 1.0 * 4096 * 2048 * 2 / 8
        let crossing = 2 * (bytes / (100 / 8 * 1e9 * Self.fast.efficiency.network) + cluster.interNodeLatencySeconds)
        #expect(abs(table.onRank(1).sendSeconds - crossing) < 1e-12)
        #expect(abs(table.onRank(2).sendSeconds - crossing) < 1e-12)
        #expect(table.onRank(0).sendSeconds == slowTable.sendSeconds)
        #expect(table.onRank(3).sendSeconds == fastTable.sendSeconds)
        #expect(table.onRank(0).sendSeconds < crossing && table.onRank(3).sendSeconds < crossing)
    }

    struct Case: CustomStringConvertible, Sendable {
        var layers: Int
        var groups: [Int]
        var virtual: Int
        var recompute: RecomputeGranularity
        /// Memory of each rank, as a fraction between "all recomputed" and "nothing recomputed" on an
        /// even split (per group: fast, slow).
        var capacity: (fast: Double, slow: Double)
        var seed: Int
        var description: String {
            "L=\(layers) groups=\(groups) v=\(virtual) \(recompute) cap=\(capacity) seed=\(seed)"
        }
    }

    static let cases: [Case] = {
        var all: [Case] = []
        var seed = 0
        for (layers, groups) in [
            (6, [0, 1]), (6, [1, 0]), (9, [0, 0, 1]), (9, [1, 0, 0]), (8, [0, 1, 0, 1]), (12, [1, 1, 0, 0]),
            (10, [0, 1, 1]),
        ] {
            for (recompute, capacity) in [
                (RecomputeGranularity.none, (fast: 3.0, slow: 3.0)), (.full, (fast: 0.6, slow: 0.3)),
                (.full, (fast: 2.0, slow: 0.5)),
            ] {
                seed += 1
                all.append(
                    Case(
                        layers: layers, groups: groups, virtual: 1, recompute: recompute, capacity: capacity,
                        seed: seed))
            }
        }
        for (layers, groups) in [(8, [0, 1]), (8, [1, 0])] {
            seed += 1
            all.append(
                Case(
                    layers: layers, groups: groups, virtual: 2, recompute: .full, capacity: (fast: 0.7, slow: 0.4),
                    seed: seed))
        }
        return all
    }()

    /// The mixed table of a case, each rank's capacity squeezed by its group's fraction.
    static func table(_ c: Case) -> PipelineCostTable {
        let p = c.groups.count
        let cluster = Self.cluster(fastNodes: p, slowNodes: p)
        var config = ParallelConfiguration(
            tensor: 8, pipeline: p, data: 1, virtualStages: c.virtual, microbatchSize: 1,
            globalBatchSize: 4 * p, sequenceLength: 4096, recompute: c.recompute, zeroStage: 0)
        config.stageGroups = c.groups
        var table = TrainingCost(
            model: Self.model(layers: c.layers, seed: c.seed), cluster: cluster, config: config,
            framework: .megatronDefaults
        ).pipelineTable
        let even = StageLayout.uniform(groups: table.groups.map(\.count), chunks: table.chunks)
        var all = even
        all.recomputed = all.layers
        let loose = table.evaluate(even).rankBytes, least = table.evaluate(all).rankBytes
        for r in 0..<p {
            let fraction = c.groups[r] == 0 ? c.capacity.fast : c.capacity.slow
            table.rankTables[r].capacityBytes = least[r] + fraction * (loose[r] - least[r])
        }
        table.capacityBytes = table.rankTables[0].capacityBytes
        table.recomputeLayers = .any
        for r in 0..<p { table.rankTables[r].recomputeLayers = .any }
        return table
    }

    @Test(arguments: cases)
    func splitMILPEqualsBruteForce(_ c: Case) throws {
        let table = Self.table(c)
        let brute = BruteForceSplit.best(table)
        var milp: (layout: StageLayout, schedule: PipelineSchedule, status: LinearProgramSolution.Status)?
        do { milp = try LayerSplitProgram(table: table).solve() } catch {
            #expect(error == .infeasible, "\(c): \(error)")
        }
        guard let brute else {
            #expect(milp == nil, "brute force finds no feasible split but the MILP does: \(c)")
            return
        }
        #expect(TrainingSearch.lowerBound(table) <= brute.schedule.stepSeconds * (1 + 1e-9), "\(c): time bound")
        #expect(
            TrainingSearch.memoryLowerBound(table) <= brute.schedule.peakBytes * (1 + 1e-9), "\(c): memory bound")
        if let heuristic = TrainingSearch.heuristicSplit(table) {
            #expect(table.evaluate(heuristic).fitsMemory, "\(c): heuristic split does not fit")
            #expect(table.evaluate(heuristic).stepSeconds >= brute.schedule.stepSeconds * (1 - 1e-9))
        }
        let solved = try #require(milp, "MILP found no split, brute force did: \(c)")
        #expect(solved.schedule.fitsMemory)
        let detail =
            "\(c): MILP \(solved.schedule.stepSeconds) \(solved.layout.layers) vs brute force "
            + "\(brute.schedule.stepSeconds) \(brute.layout.layers)"
        #expect(abs(solved.schedule.stepSeconds / brute.schedule.stepSeconds - 1) < 1e-6, "\(detail)")
    }

    /// Without memory limits and with one chunk per rank, the fast stage of a two-stage pipeline
    /// takes layers until the slow stage's time would pass it: n_slow·μ_slow ≈ (L − n_slow)·μ_fast,
    /// worked out here from the two devices' layer times alone.
    @Test func twoStagesSplitLayersByDeviceSpeed() throws {
        let c = Case(
            layers: 12, groups: [1, 0], virtual: 1, recompute: .none, capacity: (fast: 5, slow: 5), seed: 0)
        let table = Self.table(c)
        let slow = table.onRank(0).groups[0].microbatchSeconds, fast = table.onRank(1).groups[0].microbatchSeconds
        let solved = try LayerSplitProgram(table: table).solve()
        let onSlow = solved.layout.layers[0][0]
        // The balance point, before rounding and before the embedding and head extras move it.
        let balance = 12 * fast / (fast + slow)
        #expect(abs(Double(onSlow) - balance) <= 1, "slow stage holds \(onSlow), balance \(balance)")
        #expect(onSlow < 6, "the slower stage must hold fewer layers")
    }

    /// The water-filling bound on the slowest rank: with memory to spare, T = (L + Σ e_r/μ_r) / Σ 1/μ_r
    /// (every rank busy until T), worked here from the two ranks' own layer times and extras.
    @Test func slowestRankBoundBalancesSpeeds() {
        let c = Case(
            layers: 12, groups: [1, 0], virtual: 1, recompute: .none, capacity: (fast: 5, slow: 5), seed: 0)
        let table = Self.table(c)
        let slow = table.onRank(0), fast = table.onRank(1)
        let e0 = slow.firstChunkSeconds + slow.sendSeconds, e1 = fast.lastChunkSeconds + fast.sendSeconds
        let mu0 = slow.groups[0].microbatchSeconds, mu1 = fast.groups[0].microbatchSeconds
        let expected = (12 + e0 / mu0 + e1 / mu1) / (1 / mu0 + 1 / mu1)
        let bound = TrainingSearch.balancedRankSeconds(table)
        #expect(abs(bound / expected - 1) < 1e-9, "bound \(bound), by hand \(expected)")
        // And it never exceeds the slowest rank of the best split.
        let best = try? LayerSplitProgram(table: table).solve()
        #expect(bound <= (best?.schedule.rankSeconds.max() ?? 0) * (1 + 1e-9))
    }

    /// The search over a small mixed cluster equals brute force over every configuration, every
    /// placement of its stages on the groups and every split.
    @Test func searchEqualsBruteForceOverPlacements() throws {
        // The second node at 70% of the first's compute and 400 Gb/s between them, and a model whose
        // layers outweigh the sends, so that a pipeline over both pays off.
        var cluster = Self.cluster(fastNodes: 1, slowNodes: 1)
        cluster.groups[1].profile.densePeakTFLOPS[.bf16] = 700
        cluster.interNodeGbpsPerGPU = 400
        let model = ModelDescription(
            name: "wide", layers: 6, hiddenSize: 8192, attentionHeads: 64, ffnHiddenSize: 28672,
            vocabularySize: 32000, maxPositions: 4096)
        var space = SearchSpace(
            model: model, cluster: cluster, globalBatchSize: 32, sequenceLength: 4096,
            framework: .megatronDefaults)
        space.framework.interleavedSchedule = false
        let configs = space.configurations()
        #expect(configs.contains { Set($0.stageGroups ?? []).count == 2 }, "no mixed placement enumerated")
        #expect(configs.contains { $0.stageGroups == [0] } && configs.contains { $0.stageGroups == [1] })
        var best = Double.infinity
        for config in configs {
            let table = TrainingCost(model: space.model, cluster: cluster, config: config, framework: space.framework)
                .pipelineTable
            if let brute = BruteForceSplit.best(table) { best = min(best, brute.schedule.stepSeconds) }
        }
        let result = TrainingSearch.run(space: space, options: SearchOptions(top: 1))
        let plan = try #require(result.plans.first)
        #expect(
            abs(plan.estimate.stepSeconds / best - 1) < 1e-6, "search \(plan.estimate.stepSeconds) vs brute \(best)")
        // On these two nodes, using both beats the faster node alone.
        #expect(Set(plan.config.stageGroups ?? []).count == 2, "best plan \(plan.config.degreeLabel()) on one group")
    }
}
