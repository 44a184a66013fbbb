import CostModel
import Dispatch

/// Finds the fastest plans of a space: enumerate, bound, prune, then one split MILP per surviving
/// candidate in order of its lower bound (branch and bound over the outer choices).
public enum TrainingSearch {
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
}
