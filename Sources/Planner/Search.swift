import CostModel
import Dispatch

/// Knobs of a training search.
public struct SearchOptions: Sendable {
    /// How many distinct plans to return (the best and its alternatives).
    public var top: Int
    public var solver: SolverOptions
    /// Degrees to hold fixed; nil entries are searched.
    public var fixed: FixedDegrees

    public init(top: Int = 4, solver: SolverOptions = SolverOptions(), fixed: FixedDegrees = FixedDegrees()) {
        self.top = top
        self.solver = solver
        self.fixed = fixed
    }
}

/// Parts of a configuration the user pinned.
public struct FixedDegrees: Sendable, Hashable {
    public var tensor: Int?, pipeline: Int?, data: Int?, context: Int?, expert: Int?
    public var microbatchSize: Int?, virtualStages: Int?, zeroStage: Int?
    public var recompute: RecomputeGranularity?
    public init() {}

    func admits(_ c: ParallelConfiguration) -> Bool {
        (tensor ?? c.tensor) == c.tensor && (pipeline ?? c.pipeline) == c.pipeline && (data ?? c.data) == c.data
            && (context ?? c.context) == c.context && (expert ?? c.expert) == c.expert
            && (microbatchSize ?? c.microbatchSize) == c.microbatchSize
            && (virtualStages ?? c.virtualStages) == c.virtualStages && (zeroStage ?? c.zeroStage) == c.zeroStage
            && (recompute ?? c.recompute) == c.recompute
    }
}

/// Finds the fastest plans of a space: enumerate, bound, prune, then one split MILP per surviving
/// candidate in order of its lower bound (branch and bound over the outer choices).
public enum TrainingSearch {
    /// Lower bound on the step time of any split: every rank at least the average of the layer
    /// work and no recompute: (m − 1/v)·S/p + S/v, plus the average optimizer time.
    ///
    /// Two refinements keep it close to the MILP's optimum: the recompute that memory forces, from a
    /// continuous relaxation (layers fill each rank's free memory, the rest goes where recomputing a
    /// layer frees its bytes most cheaply), and the integer split: some rank holds ⌈L/p⌉ layers.
    static func lowerBound(_ table: PipelineCostTable) -> Double {
        var total = table.firstChunkSeconds + table.lastChunkSeconds + (table.chunks > 1 ? Double(table.chunks) * table.sendSeconds : 0)
        var optimizer = table.firstChunkOptimizerSeconds + table.lastChunkOptimizerSeconds
        for group in table.groups {
            total += Double(group.count) * group.microbatchSeconds
            optimizer += Double(group.count) * group.cost.optimizerSeconds
        }
        total += forcedRecomputeSeconds(table)
        let p = Double(table.pipeline), v = Double(table.virtualStages), m = Double(table.microbatches)
        let fastest = table.groups.map(\.microbatchSeconds).min() ?? 0
        let fullest = (Double(table.totalLayers) / p).rounded(.up) * fastest
        return (m - 1 / v) * max(total / p, fullest) + total / v + optimizer / p
    }

    /// Recompute time (per microbatch, all ranks) that memory forces at least, in the continuous
    /// relaxation: layers first fill every rank's memory without recompute (at the smallest
    /// per-layer bytes of any group); each layer beyond costs the cheapest recompute, over ranks and
    /// groups, that frees room for it.
    static func forcedRecomputeSeconds(_ table: PipelineCostTable) -> Double {
        guard table.allowsFullRecompute, !table.groups.isEmpty else { return 0 }
        var free = 0.0, cheapest = Double.infinity
        for r in 0..<table.pipeline {
            let inFlight = table.inFlight(rank: r)
            var fixed = table.fixedBytesPerRank
            for c in stride(from: r, to: table.chunks, by: table.pipeline) {
                if c == 0 { fixed += table.firstChunkStateBytes }
                if c == table.chunks - 1 { fixed += table.lastChunkStateBytes + table.lastChunkActivationBytes }
            }
            let room = max(0, table.capacityBytes - fixed)
            let leastBytes = table.groups.map { $0.cost.stateBytes + inFlight * $0.cost.activationBytes }.min()!
            free += room / leastBytes
            // Recomputing one layer frees inFlight·(act − ckpt) bytes at the price of ρ: the room for
            // one more layer (at least leastBytes) costs at least leastBytes · min ρ/(inFlight·(act − ckpt)).
            for group in table.groups {
                let saved = inFlight * (group.cost.activationBytes - group.cost.checkpointBytes)
                if saved > 0 { cheapest = min(cheapest, leastBytes * group.recomputeSeconds / saved) }
            }
        }
        let overflow = Double(table.totalLayers) - free
        guard overflow > 0, cheapest.isFinite else { return 0 }
        return overflow * cheapest
    }

    /// Lower bound on the fullest rank's memory: the average state, plus the checkpoints the
    /// last rank must keep for one microbatch (every layer recomputed).
    static func memoryLowerBound(_ table: PipelineCostTable) -> Double {
        var state = table.firstChunkStateBytes + table.lastChunkStateBytes
        var smallestActivation = 0.0
        for group in table.groups {
            state += Double(group.count) * group.cost.stateBytes
            let kept = table.allowsFullRecompute ? group.cost.checkpointBytes : group.cost.activationBytes
            smallestActivation += Double(group.count) * kept
        }
        return table.fixedBytesPerRank + state / Double(table.pipeline) + smallestActivation / Double(table.pipeline)
    }

    struct Candidate: Sendable {
        var index: Int
        var config: ParallelConfiguration
        var table: PipelineCostTable
        var bound: Double
        var memoryBound: Double
        /// Step time of a feasible split found without GLPK (even layers, least recompute), or ∞.
        var heuristic: Double
        var degrees: TrainingPlan.Degrees {
            .init(tensor: config.tensor, pipeline: config.pipeline, data: config.data, context: config.context, expert: config.expert)
        }
    }

    /// A feasible split without GLPK: layers as even as group order allows, then on each rank the
    /// fewest recomputed layers that make it fit. Its step time bounds the candidate's optimum from above.
    static func heuristicSplit(_ table: PipelineCostTable) -> StageLayout? {
        var layout = StageLayout.uniform(groups: table.groups.map(\.count), chunks: table.chunks)
        let schedule = table.evaluate(layout)
        for r in 0..<table.pipeline where schedule.rankBytes[r] > table.capacityBytes {
            guard table.allowsFullRecompute else { return nil }
            var excess = schedule.rankBytes[r] - table.capacityBytes
            let inFlight = table.inFlight(rank: r)
            for c in stride(from: r, to: table.chunks, by: table.pipeline) {
                for (g, group) in table.groups.enumerated() where excess > 0 {
                    let saving = inFlight * (group.cost.activationBytes - group.cost.checkpointBytes)
                    guard saving > 0 else { continue }
                    let k = min(layout.layers[c][g], Int((excess / saving).rounded(.up)))
                    layout.recomputed[c][g] = k
                    excess -= Double(k) * saving
                }
            }
            if excess > 0 { return nil }
        }
        return layout
    }

    /// Runs the search. Deterministic: candidates are taken in bound order in fixed batches, and
    /// ties are broken by enumeration order, whatever the threads do.
    public static func run(space: SearchSpace, options: SearchOptions = SearchOptions()) -> SearchResult {
        let configs = space.configurations().filter(options.fixed.admits)
        var smallestMemory = Double.infinity
        var capacity = 0.0
        var candidates: [Candidate] = configs.enumerated().map { index, config in
            let table = TrainingCost(model: space.model, cluster: space.cluster, config: config).pipelineTable
            let memory = memoryLowerBound(table)
            var heuristic = Double.infinity
            if memory <= table.capacityBytes, let layout = heuristicSplit(table) { heuristic = table.evaluate(layout).stepSeconds }
            return Candidate(index: index, config: config, table: table, bound: lowerBound(table), memoryBound: memory, heuristic: heuristic)
        }
        for candidate in candidates {
            capacity = candidate.table.capacityBytes
            smallestMemory = min(smallestMemory, candidate.memoryBound)
        }
        candidates.sort { ($0.bound, $0.index) < ($1.bound, $1.index) }

        let top = max(options.top, 1)
        // Best known step per degrees: a solved plan, or a heuristic split (an upper bound).
        var known: [TrainingPlan.Degrees: Double] = [:]
        for candidate in candidates where candidate.heuristic.isFinite {
            known[candidate.degrees] = min(known[candidate.degrees] ?? .infinity, candidate.heuristic)
        }
        var best: [TrainingPlan.Degrees: (plan: TrainingPlan, index: Int)] = [:]
        var milps = 0, pruned = 0, infeasible = 0
        var cache: [PipelineCostTable: Solved?] = [:]
        var cutoffUsed: [Int: Double] = [:]
        /// Candidates whose MILP found no split under its cutoff, with that cutoff.
        var beaten: [Int: Double] = [:]

        // A candidate matters only if it improves its own degrees' best and could rank among the
        // `top` distinct degrees: below both its degrees' best known step and the top-th best.
        func cutoff(for degrees: TrainingPlan.Degrees) -> Double {
            let own = known[degrees] ?? .infinity
            guard known.count >= top else { return own }
            return min(own, known.values.sorted()[top - 1])
        }

        var next = 0
        let batchSize = 8
        while next < candidates.count {
            // The next batch of candidates that survive the bounds, in bound order.
            var batch: [Candidate] = []
            while next < candidates.count && batch.count < batchSize {
                let candidate = candidates[next]
                next += 1
                if candidate.memoryBound > candidate.table.capacityBytes || candidate.bound > cutoff(for: candidate.degrees) * (1 + 1e-12) {
                    pruned += 1
                } else {
                    batch.append(candidate)
                }
            }
            let misses = batch.filter { cache[$0.table] == nil }
            let unique = misses.enumerated().filter { i, candidate in !misses[..<i].contains { $0.table == candidate.table } }.map(\.element)
            milps += unique.count
            let work = unique.map { (table: $0.table, cutoff: cutoff(for: $0.degrees)) }
            for (candidate, item) in zip(unique, work) { cutoffUsed[candidate.index] = item.cutoff }
            for (candidate, solved) in zip(unique, solveConcurrently(work, options: options.solver)) { cache[candidate.table] = solved }
            for candidate in batch {
                guard let solved = cache[candidate.table] ?? nil else {
                    infeasible += 1
                    // No split under the cutoff: its best is above it (or nothing fits at all).
                    beaten[candidate.index] = cutoffUsed[candidate.index] ?? candidate.bound
                    continue
                }
                var config = candidate.config
                if config.recompute == .full && solved.layout.recomputed.allSatisfy({ $0.allSatisfy { $0 == 0 } }) {
                    config.recompute = .none
                }
                let estimate = TrainingCost(model: space.model, cluster: space.cluster, config: config).estimate(layout: solved.layout)
                smallestMemory = min(smallestMemory, estimate.memory.totalBytes)
                let plan = TrainingPlan(config: config, estimate: estimate, splitStatus: solved.status)
                let degrees = candidate.degrees
                if let current = best[degrees],
                   (current.plan.estimate.stepSeconds, current.index) <= (estimate.stepSeconds, candidate.index) {
                    continue
                }
                best[degrees] = (plan, candidate.index)
                known[degrees] = min(known[degrees] ?? .infinity, estimate.stepSeconds)
            }
        }
        // Sorted by step time, ties by enumeration order: dictionary order differs from run to run.
        let ordered = best.values.sorted { ($0.plan.estimate.stepSeconds, $0.index) < ($1.plan.estimate.stepSeconds, $1.index) }
        let ranked = ordered.prefix(top).map(\.plan)
        let rejections = ranked.first.map {
            explainRejections(winner: $0, evaluated: ordered.map(\.plan), candidates: candidates, beaten: beaten)
        } ?? []
        return SearchResult(plans: Array(ranked), candidates: configs.count, milpsSolved: milps, pruned: pruned,
                            infeasible: infeasible, smallestMemoryBytes: smallestMemory, capacityBytes: capacity,
                            rejections: rejections)
    }

    struct Solved: Sendable {
        var layout: StageLayout
        var status: LinearProgramSolution.Status
    }

    /// Solves split MILPs on all cores; each solve builds, runs and frees its own GLPK problem on
    /// one thread (GLPK keeps its state per thread). Results come back in input order.
    static func solveConcurrently(_ work: [(table: PipelineCostTable, cutoff: Double)], options: SolverOptions) -> [Solved?] {
        @Sendable func solve(_ item: (table: PipelineCostTable, cutoff: Double)) -> Solved? {
            (try? LayerSplitProgram(table: item.table, cutoff: item.cutoff).solve(options: options))
                .map { Solved(layout: $0.layout, status: $0.status) }
        }
        guard work.count > 1 else { return work.map(solve) }
        let results = ResultSlots<Solved>(count: work.count)
        DispatchQueue.concurrentPerform(iterations: work.count) { i in results.set(i, solve(work[i])) }
        return results.values
    }

    /// Why other tensor and pipeline degrees lose: the best plan found with that degree, or the
    /// bound that pruned it, or the memory it cannot get under.
    static func explainRejections(winner: TrainingPlan, evaluated: [TrainingPlan], candidates: [Candidate],
                                  beaten: [Int: Double]) -> [String] {
        var lines: [String] = []
        let step = winner.estimate.stepSeconds
        let gib = 1_073_741_824.0
        func describe(_ label: String, plans: [TrainingPlan], matching: [Candidate]) {
            guard !matching.isEmpty else { return }
            if let fastest = plans.first {  // `evaluated` is sorted fastest first
                let slower = (fastest.estimate.stepSeconds / step - 1) * 100
                lines.append("\(label): +\(formatted(slower))% step time at best (\(fastest.degrees), \(formatted(fastest.estimate.stepSeconds)) s)")
                return
            }
            let fitting = matching.filter { $0.memoryBound <= $0.table.capacityBytes }
            if fitting.isEmpty {
                let least = matching.map(\.memoryBound).min()! / gib
                lines.append("\(label): does not fit, needs at least \(formatted(least)) GiB of \(formatted(matching[0].table.capacityBytes / gib)) usable")
            } else {
                // Each candidate is pruned by its bound or beaten under its MILP cutoff: its best is at least that.
                let bound = fitting.map { max($0.bound, beaten[$0.index] ?? $0.bound) }.min()!
                if bound.isFinite {
                    lines.append("\(label): at least +\(formatted(max(0, bound / step - 1) * 100))% step time (lower bound \(formatted(bound)) s)")
                } else {
                    lines.append("\(label): no layer split fits memory")
                }
            }
        }
        let precision = winner.config.precision
        for t in Set(candidates.map(\.config.tensor)).sorted() where t != winner.config.tensor {
            describe("tp=\(t)", plans: evaluated.filter { $0.config.tensor == t },
                     matching: candidates.filter { $0.config.tensor == t && $0.config.precision == precision })
        }
        for p in Set(candidates.map(\.config.pipeline)).sorted() where p != winner.config.pipeline {
            describe("pp=\(p)", plans: evaluated.filter { $0.config.pipeline == p },
                     matching: candidates.filter { $0.config.pipeline == p && $0.config.precision == precision })
        }
        return lines
    }

    static func formatted(_ value: Double) -> String {
        guard value.isFinite, abs(value) < 1e15 else { return value.isNaN ? "?" : "∞" }
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
