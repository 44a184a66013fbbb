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
    static func lowerBound(_ table: PipelineCostTable) -> Double {
        var total = table.firstChunkSeconds + table.lastChunkSeconds + (table.chunks > 1 ? Double(table.chunks) * table.sendSeconds : 0)
        var optimizer = table.firstChunkOptimizerSeconds + table.lastChunkOptimizerSeconds
        for group in table.groups {
            total += Double(group.count) * group.microbatchSeconds
            optimizer += Double(group.count) * group.cost.optimizerSeconds
        }
        let p = Double(table.pipeline), v = Double(table.virtualStages), m = Double(table.microbatches)
        return (m - 1 / v) * total / p + total / v + optimizer / p
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
    }

    /// Runs the search. Deterministic: ties are broken by enumeration order.
    public static func run(space: SearchSpace, options: SearchOptions = SearchOptions()) -> SearchResult {
        let configs = space.configurations().filter(options.fixed.admits)
        var candidates: [Candidate] = []
        candidates.reserveCapacity(configs.count)
        var smallestMemory = Double.infinity
        var capacity = 0.0
        for (index, config) in configs.enumerated() {
            let cost = TrainingCost(model: space.model, cluster: space.cluster, config: config)
            let table = cost.pipelineTable
            capacity = table.capacityBytes
            let memory = memoryLowerBound(table)
            smallestMemory = min(smallestMemory, memory)
            candidates.append(Candidate(index: index, config: config, table: table, bound: lowerBound(table), memoryBound: memory))
        }
        candidates.sort { ($0.bound, $0.index) < ($1.bound, $1.index) }

        var best: [TrainingPlan.Degrees: (plan: TrainingPlan, index: Int)] = [:]
        var milps = 0, pruned = 0, infeasible = 0
        var cache: [PipelineCostTable: (StageLayout, PipelineSchedule, LinearProgramSolution.Status)?] = [:]
        var rejections: [String] = []
        let top = max(options.top, 1)

        func cutoff(for degrees: TrainingPlan.Degrees) -> Double {
            if let own = best[degrees] { return own.plan.estimate.stepSeconds }
            guard best.count >= top else { return .infinity }
            return best.values.map(\.plan.estimate.stepSeconds).sorted()[top - 1]
        }

        for candidate in candidates {
            let degrees = TrainingPlan.Degrees(tensor: candidate.config.tensor, pipeline: candidate.config.pipeline,
                                               data: candidate.config.data, context: candidate.config.context,
                                               expert: candidate.config.expert)
            if candidate.memoryBound > candidate.table.capacityBytes { pruned += 1; continue }
            if candidate.bound > cutoff(for: degrees) * (1 + 1e-12) { pruned += 1; continue }
            let solved: (StageLayout, PipelineSchedule, LinearProgramSolution.Status)?
            if let hit = cache[candidate.table] {
                solved = hit
            } else {
                milps += 1
                let program = LayerSplitProgram(table: candidate.table)
                solved = try? program.solve(options: options.solver)
                cache[candidate.table] = solved
            }
            guard let (layout, _, status) = solved else { infeasible += 1; continue }
            let cost = TrainingCost(model: space.model, cluster: space.cluster, config: candidate.config)
            let estimate = cost.estimate(layout: layout)
            smallestMemory = min(smallestMemory, estimate.memory.totalBytes)
            let plan = TrainingPlan(config: candidate.config, estimate: estimate, splitStatus: status)
            if let current = best[degrees] {
                let better = (estimate.stepSeconds, candidate.index) < (current.plan.estimate.stepSeconds, current.index)
                if better { best[degrees] = (plan, candidate.index) }
            } else {
                best[degrees] = (plan, candidate.index)
            }
        }
        // Sorted by step time, ties by enumeration order: dictionary order differs from run to run.
        let ordered = best.values.sorted { ($0.plan.estimate.stepSeconds, $0.index) < ($1.plan.estimate.stepSeconds, $1.index) }
        let ranked = ordered.prefix(top).map(\.plan)
        if let winner = ranked.first {
            rejections = explainRejections(winner: winner, evaluated: ordered.map(\.plan), candidates: candidates)
        }
        return SearchResult(plans: Array(ranked), candidates: configs.count, milpsSolved: milps, pruned: pruned,
                            infeasible: infeasible, smallestMemoryBytes: smallestMemory, capacityBytes: capacity,
                            rejections: rejections)
    }

    /// Why other tensor and pipeline degrees lose: the best plan found with that degree, or the
    /// bound that pruned it, or the memory it cannot get under.
    static func explainRejections(winner: TrainingPlan, evaluated: [TrainingPlan], candidates: [Candidate]) -> [String] {
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
            } else if let bound = fitting.map(\.bound).min(), bound >= step {
                lines.append("\(label): at least +\(formatted((bound / step - 1) * 100))% step time (lower bound \(formatted(bound)) s)")
            } else {
                lines.append("\(label): no layer split fits memory, or not among the \(evaluated.count) best")
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
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
