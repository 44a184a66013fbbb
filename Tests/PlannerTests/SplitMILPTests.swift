import CostModel
import Testing

@testable import Planner

/// The split MILP must equal brute force over every split and every recompute count.
struct SplitMILPTests {
    /// A small GPT (or MoE with dense-first layers) costed on A100s, with device memory squeezed so
    /// that the memory rows bind and recompute matters.
    static func table(
        layers: Int, stages: Int, virtual: Int = 1, microbatches: Int, recompute: RecomputeGranularity,
        capacityFraction: Double, denseFirst: Int = 0, seed: Int, recomputeLayers: RecomputeLayers = .sameCount
    ) -> PipelineCostTable {
        let moe =
            denseFirst > 0
            ? MixtureOfExperts(experts: 8, expertsPerToken: 2, expertFFNHiddenSize: 2048, denseLayers: denseFirst) : nil
        let model = ModelDescription(
            name: "small", layers: layers, hiddenSize: 2048 + 256 * (seed % 4), attentionHeads: 16,
            ffnHiddenSize: 8192, vocabularySize: 32000 + 1000 * seed, maxPositions: 4096, moe: moe)
        let profile = HardwareProfile(
            name: "a100", description: "A100", densePeakTFLOPS: [.bf16: 312], memoryGiB: 80,
            memoryTBps: 2.039, linkGBpsOneDirection: 300, nicGbpsPerGPU: 200, gpusPerNode: 8, nvlinkDomainGPUs: 8)
        let cluster = ClusterDescription(name: "test", profile: profile, nodes: stages)
        let config = ParallelConfiguration(
            tensor: 8, pipeline: stages, data: 1, virtualStages: virtual, microbatchSize: 2,
            globalBatchSize: 2 * microbatches, sequenceLength: 4096, recompute: recompute, zeroStage: 0)
        var table = TrainingCost(model: model, cluster: cluster, config: config, framework: .megatronDefaults)
            .pipelineTable
        // Squeeze memory between "all recomputed on an even split" and "nothing recomputed".
        let even = StageLayout.uniform(groups: table.groups.map(\.count), chunks: table.chunks)
        let loose = table.evaluate(even).peakBytes
        var tight = even
        tight.recomputed = tight.layers
        let least = table.evaluate(tight).peakBytes
        table.capacityBytes = least + capacityFraction * (loose - least)
        table.recomputeLayers = recomputeLayers
        return table
    }

    struct Case: CustomStringConvertible, Sendable {
        var layers, stages, virtual, microbatches: Int
        var recompute: RecomputeGranularity
        var capacityFraction: Double
        var denseFirst: Int
        var seed: Int
        /// What the launcher can express (Megatron's same_count, the test framework's default).
        var recomputeLayers: RecomputeLayers = .sameCount
        var description: String {
            "L=\(layers) p=\(stages) v=\(virtual) m=\(microbatches) \(recompute) cap=\(capacityFraction) "
                + "dense=\(denseFirst) seed=\(seed) \(recomputeLayers.rawValue)"
        }
    }

    static let cases: [Case] = {
        var all: [Case] = []
        var seed = 0
        for layers in [4, 7, 12] {
            for stages in [1, 2, 3, 4] where stages <= layers {
                for (recompute, fraction) in [
                    (RecomputeGranularity.full, 0.3), (.full, 0.7), (.none, 2.0), (.full, 1.5),
                ] {
                    seed += 1
                    all.append(
                        Case(
                            layers: layers, stages: stages, virtual: 1, microbatches: 8, recompute: recompute,
                            capacityFraction: fraction, denseFirst: 0, seed: seed))
                }
            }
        }
        // Fewer microbatches than stages: interchangeable middle ranks (the symmetry rows).
        for (layers, stages, microbatches) in [(12, 4, 2), (9, 4, 1), (11, 4, 2)] {
            seed += 1
            all.append(
                Case(
                    layers: layers, stages: stages, virtual: 1, microbatches: microbatches, recompute: .full,
                    capacityFraction: 0.5, denseFirst: 0, seed: seed))
        }
        // Mixture of experts with dense-first layers: the ordering rows.
        for (layers, stages, dense) in [(6, 3, 1), (8, 4, 3), (12, 3, 2), (9, 2, 4)] {
            seed += 1
            all.append(
                Case(
                    layers: layers, stages: stages, virtual: 1, microbatches: 6, recompute: .full,
                    capacityFraction: 0.5, denseFirst: dense, seed: seed))
        }
        // Interleaved schedule (dense models): a rank's cost depends on its totals only.
        for (layers, stages, virtual) in [(8, 2, 2), (12, 2, 3), (12, 3, 2), (8, 4, 2)] {
            seed += 1
            all.append(
                Case(
                    layers: layers, stages: stages, virtual: virtual, microbatches: stages * 4, recompute: .full,
                    capacityFraction: 0.4, denseFirst: 0, seed: seed))
        }
        // Any count per chunk (no launcher limit) and every-layer-or-none (torchtitan, DeepSpeed), on the
        // full-recompute cases that brute force covers quickly.
        for base in all where base.recompute == .full && base.layers <= 7 {
            for kind in [RecomputeLayers.any, .all] {
                var variant = base
                variant.recomputeLayers = kind
                all.append(variant)
            }
        }
        return all
    }()

    @Test(arguments: cases)
    func milpEqualsBruteForce(_ c: Case) throws {
        let table = Self.table(
            layers: c.layers, stages: c.stages, virtual: c.virtual, microbatches: c.microbatches,
            recompute: c.recompute, capacityFraction: c.capacityFraction, denseFirst: c.denseFirst, seed: c.seed,
            recomputeLayers: c.recomputeLayers)
        let brute = BruteForceSplit.best(table)
        // Only a proven infeasibility may stand for "no split": a limit or a failure fails the test.
        var milp: (layout: StageLayout, schedule: PipelineSchedule, status: LinearProgramSolution.Status)?
        do { milp = try LayerSplitProgram(table: table).solve() } catch {
            #expect(error == .infeasible, "\(c): \(error)")
        }
        guard let brute else {
            #expect(milp == nil, "brute force finds no feasible split but the MILP does: \(c)")
            return
        }
        // The search prunes on these bounds: they must never exceed the true optimum.
        #expect(
            TrainingSearch.lowerBound(table) <= brute.schedule.stepSeconds * (1 + 1e-9),
            "\(c): time bound above the optimum")
        #expect(
            TrainingSearch.memoryLowerBound(table) <= brute.schedule.peakBytes * (1 + 1e-9),
            "\(c): memory bound above the optimum's peak")
        if let heuristic = TrainingSearch.heuristicSplit(table) {
            #expect(
                table.evaluate(heuristic).stepSeconds >= brute.schedule.stepSeconds * (1 - 1e-9),
                "\(c): heuristic beats the optimum")
        }
        let solved = try #require(milp, "MILP found no split, brute force did: \(c)")
        #expect(solved.status == .optimal)
        let relative = abs(solved.schedule.stepSeconds / brute.schedule.stepSeconds - 1)
        let detail =
            "\(c): MILP \(solved.schedule.stepSeconds) vs brute force \(brute.schedule.stepSeconds), "
            + "brute layout \(brute.layout.layers) recompute \(brute.layout.recomputed), MILP \(solved.layout.layers) "
            + "\(solved.layout.recomputed)"
        #expect(relative < 1e-9, "\(detail)")
        #expect(solved.schedule.rankBytes.allSatisfy { $0 <= table.capacityBytes * (1 + 1e-12) }, "\(c)")
        // The split is one the launcher runs as planned (per chunk, all layer groups together).
        let held = solved.layout.layers.map { $0.reduce(0, +) }
        let recomputed = solved.layout.recomputed.map { $0.reduce(0, +) }
        #expect(table.recomputeLayers.admits(held: held, recomputed: recomputed), "\(c): \(held) \(recomputed)")
    }

    /// ZeRO 1 over 16 data-parallel ranks, one per node (tp 8): a gradient reduction and a weight
    /// all-gather per step that are large next to a microbatch, so the tail (opt + max(0, reduce −
    /// backward) + max(0, gather − forward), four rows per rank) decides where the embedding and the
    /// output layer go. Every combination of the two overlaps, with and without recompute, against brute
    /// force.
    @Test(arguments: [(5, 2), (7, 3), (6, 4)])
    func zeroOneTailEqualsBruteForce(layers: Int, stages: Int) throws {
        let model = ModelDescription(
            name: "small", layers: layers, hiddenSize: 2048, attentionHeads: 16, ffnHiddenSize: 8192,
            vocabularySize: 128_000, maxPositions: 4096)
        let profile = HardwareProfile(
            name: "a100", description: "A100", densePeakTFLOPS: [.bf16: 312], memoryGiB: 80,
            memoryTBps: 2.039, linkGBpsOneDirection: 300, nicGbpsPerGPU: 200, gpusPerNode: 8, nvlinkDomainGPUs: 8)
        let cluster = ClusterDescription(name: "test", profile: profile, nodes: 16 * stages)
        for recompute in [RecomputeGranularity.none, .full] {
            let config = ParallelConfiguration(
                tensor: 8, pipeline: stages, data: 16, virtualStages: 1, microbatchSize: 1,
                globalBatchSize: 16 * 4, sequenceLength: 2048, recompute: recompute, zeroStage: 1)
            let base = TrainingCost(model: model, cluster: cluster, config: config, framework: .megatronDefaults)
                .pipelineTable
            #expect(base.groups[0].cost.parameterGatherSeconds > 0)
            var steps: [Double] = []
            for (reduceOverlap, gatherOverlap) in [(true, true), (true, false), (false, true), (false, false)] {
                var table = base
                table.syncOverlapsBackward = reduceOverlap
                table.gatherOverlapsForward = gatherOverlap
                let brute = try #require(BruteForceSplit.best(table))
                let solved = try LayerSplitProgram(table: table).solve()
                let relative = abs(solved.schedule.stepSeconds / brute.schedule.stepSeconds - 1)
                let detail =
                    "L=\(layers) p=\(stages) \(recompute) overlaps \(reduceOverlap)/\(gatherOverlap): MILP "
                    + "\(solved.schedule.stepSeconds) vs \(brute.schedule.stepSeconds)"
                #expect(relative < 1e-9, "\(detail)")
                steps.append(brute.schedule.stepSeconds)
            }
            // Each overlap the framework lacks costs time: the tail is not a bystander here.
            #expect(
                steps[0] < steps[1] && steps[0] < steps[2] && steps[1] < steps[3] && steps[2] < steps[3], "\(steps)")
        }
    }

    /// 126 layers on 16 stages (Llama 3.1 405B): layer counts need not divide.
    @Test func unevenSplitOf126LayersOver16Stages() throws {
        let table = Self.table(
            layers: 126, stages: 16, microbatches: 64, recompute: .none, capacityFraction: 10, seed: 3)
        let solved = try LayerSplitProgram(table: table).solve()
        let counts = (0..<16).map { solved.layout.layerCount(chunk: $0) }
        #expect(counts.reduce(0, +) == 126)
        #expect(counts.max()! == 8)  // ⌈126/16⌉: no stage holds more than it must
        #expect(solved.status == .optimal)
    }
}

/// The cutoff row (11): above the optimum it changes nothing; below it, nothing is feasible.
struct SplitCutoffTests {
    @Test func cutoffKeepsTheOptimumAndRejectsWorse() throws {
        let table = SplitMILPTests.table(
            layers: 12, stages: 4, microbatches: 8, recompute: .full, capacityFraction: 0.5, seed: 7)
        let free = try LayerSplitProgram(table: table).solve()
        let step = free.schedule.stepSeconds
        let above = try LayerSplitProgram(table: table, cutoff: step * 1.01).solve()
        #expect(abs(above.schedule.stepSeconds / step - 1) < 1e-9)
        #expect(throws: SolverError.infeasible) { try LayerSplitProgram(table: table, cutoff: step * 0.99).solve() }
    }
}

/// A framework that splits by itself (nanotron) gets its own split back, recomputing no layer or,
/// when memory needs it and full recompute is allowed, every layer: the only two launches it has.
struct FixedSplitTests {
    @Test func fixedSplitRecomputesAllOrNothing() throws {
        var table = SplitMILPTests.table(
            layers: 12, stages: 4, microbatches: 8, recompute: .full, capacityFraction: 10, seed: 1)
        let fixed = StageLayout(layers: [[4], [3], [3], [2]], recomputed: [[0], [0], [0], [0]])
        table.fixedLayout = fixed
        let roomy = try LayerSplitProgram(table: table).solve()
        #expect(roomy.layout == fixed)
        // Memory between "all recomputed" and "none recomputed" on that split: everything is recomputed.
        let none = table.evaluate(fixed).peakBytes
        let all = table.evaluate(StageLayout(layers: fixed.layers, recomputed: fixed.layers)).peakBytes
        table.capacityBytes = (none + all) / 2
        let tight = try LayerSplitProgram(table: table).solve()
        #expect(tight.layout.recomputed == fixed.layers)
        // Below "all recomputed" nothing fits, and the answer says so.
        table.capacityBytes = all * 0.99
        #expect(throws: SolverError.infeasible) { try LayerSplitProgram(table: table).solve() }
        // A cutoff below the split's own step time is infeasible too, as the MILP's row (11) makes it.
        table.capacityBytes = none * 2
        let step = table.evaluate(fixed).stepSeconds
        #expect(throws: SolverError.infeasible) { try LayerSplitProgram(table: table, cutoff: step * 0.9).solve() }
    }
}
