import CostModel

/// The MILP that splits layers over pipeline chunks and chooses how many of each chunk's layers to
/// recompute, minimising the schedule's step time exactly as `PipelineCostTable.evaluate` computes it.
///
/// Layers are a few homogeneous groups (dense, MoE) with integer counts per chunk, which GLPK solves
/// in milliseconds where per-layer binaries never finish (GLPK-NOTES.md).
///
/// Variables, per chunk c and group g: layers n[c,g] ∈ ℤ, recomputed k[c,g] ∈ ℤ; per chunk with two
/// groups a binary after[c] (chunk c has reached the MoE layers); the slowest rank's time τ; the tail Z.
///
///     minimise  (m − 1/v)·τ + (1/v)·Σ_c t_c + Z                                   (1) schedule
///     t_c = Σ_g n[c,g]·μ_g + k[c,g]·ρ_g + extras_c                               (2) chunk time
///     Σ_c n[c,g] = L_g                                                            (3) every layer placed
///     Σ_g n[c,g] ≥ 1                                                              (4) no empty chunk
///     k[c,g] ≤ n[c,g]                                                             (5) recompute what is held
///     τ ≥ Σ_{c on rank r} t_c                                                     (6) slowest rank
///     Σ_{c on r} state_c + inFlight_r·Σ_{c on r} act_c ≤ capacity                 (7) memory per rank
///     Z ≥ opt_r + sync_r − backward_r,  Z ≥ opt_r                                 (8) tail after the last microbatch
///     n[c,moe] ≤ L_moe·after[c], n[c+1,dense] ≤ L_dense·(1 − after[c]),
///     after[c] ≤ after[c+1]                                                       (9) dense layers come first
public struct LayerSplitProgram: Sendable {
    public let table: PipelineCostTable
    public private(set) var program = LinearProgram()
    private var layers: [[Int]] = []
    private var recomputed: [[Int]?] = []

    /// Bytes are expressed in GiB inside the program to keep coefficients well scaled.
    private static let bytesUnit = 1_073_741_824.0

    public init(table: PipelineCostTable) {
        self.table = table
        build()
    }

    private var groupCount: Int { table.groups.count }

    private mutating func build() {
        let chunks = table.chunks, v = Double(table.virtualStages), m = Double(table.microbatches)
        for c in 0..<chunks {
            layers.append(table.groups.indices.map { g in
                program.addVariable("layers[\(c),\(g)]", .between(0, Double(table.groups[g].count)), integer: true)
            })
            recomputed.append(table.allowsFullRecompute ? table.groups.indices.map { g in
                program.addVariable("recomputed[\(c),\(g)]", .between(0, Double(table.groups[g].count)), integer: true)
            } : nil)
        }
        let slowest = program.addVariable("slowestRankSeconds", .atLeast(0), objective: m - 1 / v)
        let tail = program.addVariable("tailSeconds", .atLeast(0), objective: 1)
        addScheduleObjective(v: v)
        addEveryLayerPlaced()
        addNoEmptyChunk()
        addRecomputeWithinHeld()
        addSlowestRank(slowest)
        addMemoryPerRank()
        addTail(tail)
        addGroupOrder()
    }

    /// Terms of t_c without its constant, and the constant.
    private func chunkTime(_ c: Int) -> (terms: [LinearProgram.Term], constant: Double) {
        var terms: [LinearProgram.Term] = []
        for (g, group) in table.groups.enumerated() {
            terms.append(.init(layers[c][g], group.microbatchSeconds))
            if let k = recomputed[c] { terms.append(.init(k[g], group.recomputeSeconds)) }
        }
        var constant = table.chunks > 1 ? table.sendSeconds : 0
        if c == 0 { constant += table.firstChunkSeconds }
        if c == table.chunks - 1 { constant += table.lastChunkSeconds }
        return (terms, constant)
    }

    /// (1): the (1/v)·Σ t_c part of the objective.
    private mutating func addScheduleObjective(v: Double) {
        for c in 0..<table.chunks {
            let time = chunkTime(c)
            for term in time.terms { program.variables[term.variable].objective += term.coefficient / v }
            program.objectiveConstant += time.constant / v
        }
    }

    /// (3)
    private mutating func addEveryLayerPlaced() {
        for (g, group) in table.groups.enumerated() {
            let terms = (0..<table.chunks).map { LinearProgram.Term(layers[$0][g], 1) }
            program.addRow("placed[\(g)]", terms, .exactly(Double(group.count)))
        }
    }

    /// (4)
    private mutating func addNoEmptyChunk() {
        for c in 0..<table.chunks {
            program.addRow("nonEmpty[\(c)]", layers[c].map { .init($0, 1) }, .atLeast(1))
        }
    }

    /// (5)
    private mutating func addRecomputeWithinHeld() {
        for c in 0..<table.chunks {
            guard let k = recomputed[c] else { continue }
            for g in 0..<groupCount {
                program.addRow("recomputeHeld[\(c),\(g)]", [.init(k[g], 1), .init(layers[c][g], -1)], .atMost(0))
            }
        }
    }

    private func chunks(onRank r: Int) -> StrideTo<Int> { stride(from: r, to: table.chunks, by: table.pipeline) }

    /// (6)
    private mutating func addSlowestRank(_ slowest: Int) {
        for r in 0..<table.pipeline {
            var terms: [LinearProgram.Term] = [.init(slowest, -1)]
            var constant = 0.0
            for c in chunks(onRank: r) {
                let time = chunkTime(c)
                terms += time.terms
                constant += time.constant
            }
            program.addRow("slowest[\(r)]", terms, .atMost(-constant))
        }
    }

    /// (7)
    private mutating func addMemoryPerRank() {
        let unit = Self.bytesUnit
        for r in 0..<table.pipeline {
            let inFlight = table.inFlight(rank: r)
            var terms: [LinearProgram.Term] = []
            var constant = table.fixedBytesPerRank
            for c in chunks(onRank: r) {
                for (g, group) in table.groups.enumerated() {
                    terms.append(.init(layers[c][g], (group.cost.stateBytes + inFlight * group.cost.activationBytes) / unit))
                    if let k = recomputed[c] {
                        terms.append(.init(k[g], -inFlight * (group.cost.activationBytes - group.cost.checkpointBytes) / unit))
                    }
                }
                if c == 0 { constant += table.firstChunkStateBytes }
                if c == table.chunks - 1 { constant += table.lastChunkStateBytes + table.lastChunkActivationBytes }
            }
            program.addRow("memory[\(r)]", terms, .atMost((table.capacityBytes - constant) / unit))
        }
    }

    /// (8)
    private mutating func addTail(_ tail: Int) {
        for r in 0..<table.pipeline {
            var optimizerTerms: [LinearProgram.Term] = [.init(tail, -1)]
            var syncTerms: [LinearProgram.Term] = [.init(tail, -1)]
            var optimizerConstant = 0.0, syncConstant = 0.0
            for c in chunks(onRank: r) {
                for (g, group) in table.groups.enumerated() {
                    let cost = group.cost
                    optimizerTerms.append(.init(layers[c][g], cost.optimizerSeconds))
                    syncTerms.append(.init(layers[c][g], cost.optimizerSeconds + cost.gradientSyncSeconds
                        - cost.backwardComputeSeconds - cost.backwardCommSeconds))
                }
                if c == 0 {
                    optimizerConstant += table.firstChunkOptimizerSeconds
                    syncConstant += table.firstChunkOptimizerSeconds + table.firstChunkSyncSeconds - table.firstChunkBackwardSeconds
                }
                if c == table.chunks - 1 {
                    optimizerConstant += table.lastChunkOptimizerSeconds
                    syncConstant += table.lastChunkOptimizerSeconds + table.lastChunkSyncSeconds - table.lastChunkBackwardSeconds
                }
            }
            program.addRow("tailOptimizer[\(r)]", optimizerTerms.filter { $0.coefficient != 0 }, .atMost(-optimizerConstant))
            program.addRow("tailSync[\(r)]", syncTerms.filter { $0.coefficient != 0 }, .atMost(-syncConstant))
        }
    }

    /// (9), only when the model has dense layers before MoE layers.
    private mutating func addGroupOrder() {
        guard groupCount == 2 else { return }
        let dense = table.groups[0].count, moe = table.groups[1].count
        let after = (0..<table.chunks).map { program.addVariable("after[\($0)]", .between(0, 1), integer: true) }
        for c in 0..<table.chunks {
            program.addRow("moeAfter[\(c)]", [.init(layers[c][1], 1), .init(after[c], -Double(moe))], .atMost(0))
            if c + 1 < table.chunks {
                program.addRow("denseBefore[\(c)]", [.init(layers[c + 1][0], 1), .init(after[c], Double(dense))], .atMost(Double(dense)))
                program.addRow("monotone[\(c)]", [.init(after[c], 1), .init(after[c + 1], -1)], .atMost(0))
            }
        }
    }

    /// Solves and decodes the split; the decoded split is re-evaluated so the reported time is the
    /// cost model's own, and checked against the MILP objective.
    public func solve(options: SolverOptions = SolverOptions()) throws(SolverError) -> (layout: StageLayout, schedule: PipelineSchedule, status: LinearProgramSolution.Status) {
        let solution = try program.solve(options: options)
        let value = { (index: Int) in Int(solution.values[index].rounded()) }
        let layout = StageLayout(
            layers: layers.map { $0.map(value) },
            recomputed: recomputed.enumerated().map { c, k in k?.map(value) ?? Array(repeating: 0, count: groupCount) })
        let schedule = table.evaluate(layout)
        return (layout, schedule, solution.status)
    }
}
