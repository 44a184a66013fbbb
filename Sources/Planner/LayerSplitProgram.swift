import CostModel

/// The MILP that splits layers over pipeline ranks and chooses how many of each rank's layers to
/// recompute, minimising the schedule's step time exactly as `PipelineCostTable.evaluate` computes it.
///
/// Layers are a few homogeneous groups (dense, MoE) with integer counts per rank, which GLPK solves
/// in milliseconds where per-layer binaries never finish (docs/glpk.md). Under the interleaved
/// schedule a rank's time and memory depend only on its totals, so the program works on ranks and
/// the decoder spreads each rank's layers over its v chunks (at least one each).
///
/// Variables, per rank r and group g: layers n[r,g] ∈ ℤ, recomputed k[r,g] ∈ ℤ; with two groups, the
/// MoE layers f[r] in r's first chunk and a binary after[r] (r's first chunk has reached the MoE
/// layers); the slowest rank's time τ; the tail Z.
///
///     minimise  (m − 1/v)·τ + (1/v)·Σ_r τ_r + Z                                   (1) schedule
///     τ_r = Σ_g n[r,g]·μ_g + k[r,g]·ρ_g + extras_r                               (2) rank time
///     Σ_r n[r,g] = L_g                                                            (3) every layer placed
///     Σ_g n[r,g] ≥ v                                                              (4) no empty chunk
///     k[r,g] ≤ n[r,g]                                                             (5) recompute what is held
///     τ ≥ τ_r                                                                     (6) slowest rank
///     Σ_g n[r,g]·state_g + inFlight_r·(n·act_g − k·(act_g − ckpt_g)) ≤ capacity  (7) memory per rank
///     Z ≥ opt_r + max(0, reduce_r − backward_r) + max(0, gather_r − forward_r)  (8) tail after the last
///                                          microbatch, as four rows (an overlap the framework lacks counts as 0)
///     f[r] ≤ n[r,moe] (= when v = 1), n[r,dense] + f[r] ≥ 1, n[r,moe] − f[r] ≥ v − 1,
///     f[r] ≤ L_moe·after[r], n[r+1,dense] ≤ L_dense·(1 − after[r]), after[r] ≤ after[r+1]
///                                                              (9) dense layers first, in the first round of chunks
///     N ≥ Σ_g n[r,g], τ ≥ N·min_g μ_g + min_r extras_r                          (10) cut: the fullest rank
///     objective ≤ cutoff (the best plan known so far), when given                (11)
///     n[r] ≥ n[r+1] for interchangeable middle ranks (one group)                  (12) symmetry
///     k[r] = min(N, n[r]), or k[r,g] = n[r,g] everywhere        (13) recompute the launcher can express
public struct LayerSplitProgram: Sendable {
    public let table: PipelineCostTable
    public internal(set) var program = LinearProgram()
    /// Variable indices of n[r,g] and k[r,g] (nil: no full recompute).
    private(set) var layers: [[Int]] = []
    private(set) var recomputed: [[Int]?] = []
    private var firstChunkMoE: [Int] = []
    /// The best step time a split must reach (∞: any).
    private var cutoff = Double.infinity

    /// Bytes are expressed in GiB inside the program to keep coefficients well scaled.
    private static let bytesUnit = 1_073_741_824.0

    /// Builds the program. With `cutoff`, a row keeps the objective at or below it, so that branch and
    /// bound drops every node that cannot beat a plan already found: a candidate that cannot beat
    /// it comes back `.infeasible` after its root relaxation instead of a full search.
    /// A table with a `fixedLayout` (the framework splits by itself) builds no program: `solve` checks
    /// that split against memory and the cutoff instead.
    public init(table: PipelineCostTable, cutoff: Double? = nil) {
        self.table = table
        if let cutoff, cutoff.isFinite { self.cutoff = cutoff }
        guard table.fixedLayout == nil else { return }
        build()
        if let cutoff, cutoff.isFinite { addCutoff(cutoff) }
    }

    /// (11) objective ≤ cutoff.
    private mutating func addCutoff(_ cutoff: Double) {
        let terms = program.variables.indices.filter { program.variables[$0].objective != 0 }
            .map { LinearProgram.Term($0, program.variables[$0].objective) }
        program.addRow("cutoff", terms, .atMost(cutoff * (1 + 1e-9) - program.objectiveConstant))
    }

    var groupCount: Int { table.groups.count }
    var ranks: Int { table.pipeline }

    private mutating func build() {
        let v = Double(table.virtualStages), m = Double(table.microbatches)
        for r in 0..<ranks {
            layers.append(
                table.groups.indices.map { g in
                    program.addVariable("layers[\(r),\(g)]", .between(0, Double(table.groups[g].count)), integer: true)
                })
            recomputed.append(
                table.allowsFullRecompute
                    ? table.groups.indices.map { g in
                        program.addVariable(
                            "recomputed[\(r),\(g)]", .between(0, Double(table.groups[g].count)), integer: true)
                    } : nil)
        }
        let slowest = program.addVariable("slowestRankSeconds", .atLeast(0), objective: m - 1 / v)
        let tail = program.addVariable("tailSeconds", .atLeast(0), objective: 1)
        addScheduleObjective(v: v)
        addEveryLayerPlaced()
        addNoEmptyChunk()
        addRecomputeWithinHeld()
        addLaunchableRecompute()
        addSlowestRank(slowest)
        addMemoryPerRank()
        addTail(tail)
        addGroupOrder()
        addMostLayersCut(slowest)
        addSymmetryBreaking()
    }

    /// (12) Ranks that differ in nothing (no embedding or output layer, the same microbatches in
    /// flight) can trade their assignments without changing the step time, so with one layer group
    /// the program may list them fullest first. Without this, a 16-stage split with 4 microbatches
    /// (12 identical ranks) made branch and bound visit every permutation.
    private mutating func addSymmetryBreaking() {
        guard groupCount == 1, ranks >= 4, table.isUniform else { return }
        for r in 1..<(ranks - 2) where table.inFlight(rank: r) == table.inFlight(rank: r + 1) {
            program.addRow("symmetry[\(r)]", [.init(layers[r][0], 1), .init(layers[r + 1][0], -1)], .atLeast(0))
        }
    }

    private func chunks(onRank r: Int) -> StrideTo<Int> { stride(from: r, to: table.chunks, by: table.pipeline) }

    /// Terms of τ_r without its constant, and the constant (embedding, output layer, sends).
    private func rankTime(_ r: Int) -> (terms: [LinearProgram.Term], constant: Double) {
        let device = table.onRank(r)
        var terms: [LinearProgram.Term] = []
        for (g, group) in device.groups.enumerated() {
            terms.append(.init(layers[r][g], group.microbatchSeconds))
            if let k = recomputed[r] { terms.append(.init(k[g], group.recomputeSeconds)) }
        }
        return (terms, table.extraSeconds(rank: r))
    }

    /// (1): the (1/v)·Σ τ_r part of the objective.
    private mutating func addScheduleObjective(v: Double) {
        for r in 0..<ranks {
            let time = rankTime(r)
            for term in time.terms { program.variables[term.variable].objective += term.coefficient / v }
            program.objectiveConstant += time.constant / v
        }
    }

    /// (3)
    private mutating func addEveryLayerPlaced() {
        for (g, group) in table.groups.enumerated() {
            program.addRow("placed[\(g)]", (0..<ranks).map { .init(layers[$0][g], 1) }, .exactly(Double(group.count)))
        }
    }

    /// (4)
    private mutating func addNoEmptyChunk() {
        for r in 0..<ranks {
            program.addRow("nonEmpty[\(r)]", layers[r].map { .init($0, 1) }, .atLeast(Double(table.virtualStages)))
        }
    }

    /// (5)
    private mutating func addRecomputeWithinHeld() {
        for r in 0..<ranks {
            guard let k = recomputed[r] else { continue }
            for g in 0..<groupCount {
                program.addRow("recomputeHeld[\(r),\(g)]", [.init(k[g], 1), .init(layers[r][g], -1)], .atMost(0))
            }
        }
    }

    /// (6)
    private mutating func addSlowestRank(_ slowest: Int) {
        for r in 0..<ranks {
            let time = rankTime(r)
            program.addRow("slowest[\(r)]", [.init(slowest, -1)] + time.terms, .atMost(-time.constant))
        }
    }

    /// (7)
    /// The most layers rank r can hold with one layer group: every layer recomputed (the least
    /// memory per layer), and every other rank holding its v layers. A valid bound, and a tighter
    /// big-M for the `same_count` rows than the model's layer count.
    func layerCap(rank r: Int) -> Double {
        let total = Double(table.totalLayers)
        let others = total - Double((ranks - 1) * table.virtualStages)
        guard groupCount == 1 else { return total }
        let device = table.onRank(r), group = device.groups[0], inFlight = table.inFlight(rank: r)
        let perLayer =
            group.cost.stateBytes + inFlight
            * (table.allowsFullRecompute ? group.cost.checkpointBytes : group.cost.activationBytes)
        guard perLayer > 0 else { return others }
        let fit = ((device.capacityBytes - table.extraBytes(rank: r)) / perLayer).rounded(.down)
        return max(0, min(others, fit))
    }

    private mutating func addMemoryPerRank() {
        let unit = Self.bytesUnit
        for r in 0..<ranks {
            let inFlight = table.inFlight(rank: r)
            let device = table.onRank(r)
            var terms: [LinearProgram.Term] = []
            let constant = table.extraBytes(rank: r)
            for (g, group) in device.groups.enumerated() {
                terms.append(
                    .init(layers[r][g], (group.cost.stateBytes + inFlight * group.cost.activationBytes) / unit))
                if let k = recomputed[r] {
                    terms.append(
                        .init(k[g], -inFlight * (group.cost.activationBytes - group.cost.checkpointBytes) / unit))
                }
            }
            program.addRow("memory[\(r)]", terms, .atMost((device.capacityBytes - constant) / unit))
        }
    }

    /// (8) Z ≥ opt_r + max(0, a_r) + max(0, b_r) for a_r = reduce_r − backward_r and b_r = gather_r − forward_r
    /// (`PipelineCostTable.tailSeconds`), as the four rows Z ≥ opt_r + {0, a_r, b_r, a_r + b_r}; the
    /// backward (forward) is taken as 0 where the framework does not overlap the reduction (the gather).
    private mutating func addTail(_ tail: Int) {
        let backwardShare = table.syncOverlapsBackward ? 1.0 : 0
        let forwardShare = table.gatherOverlapsForward ? 1.0 : 0
        for r in 0..<ranks {
            let device = table.onRank(r)
            // Per group of the rank: coefficients of opt, a and b per layer; then the chunk extras.
            var optimizer: [Double] = [], reduce: [Double] = [], gather: [Double] = []
            for group in device.groups {
                let cost = group.cost
                optimizer.append(cost.optimizerSeconds)
                reduce.append(
                    cost.gradientSyncSeconds - cost.parameterGatherSeconds
                        - backwardShare * (cost.backwardComputeSeconds + cost.backwardCommSeconds))
                gather.append(
                    cost.parameterGatherSeconds - forwardShare * (cost.forwardComputeSeconds + cost.forwardCommSeconds))
            }
            var constant = (optimizer: 0.0, reduce: 0.0, gather: 0.0)
            for c in chunks(onRank: r) {
                if c == 0 {
                    constant.optimizer += device.firstChunkOptimizerSeconds
                    constant.reduce +=
                        device.firstChunkSyncSeconds - device.firstChunkGatherSeconds - backwardShare
                        * device.firstChunkBackwardSeconds
                    constant.gather += device.firstChunkGatherSeconds - forwardShare * device.firstChunkForwardSeconds
                }
                if c == table.chunks - 1 {
                    constant.optimizer += device.lastChunkOptimizerSeconds
                    constant.reduce +=
                        device.lastChunkSyncSeconds - device.lastChunkGatherSeconds - backwardShare
                        * device.lastChunkBackwardSeconds
                    constant.gather += device.lastChunkGatherSeconds - forwardShare * device.lastChunkForwardSeconds
                }
            }
            for (name, withReduce, withGather) in [
                ("tailOptimizer", 0.0, 0.0), ("tailReduce", 1.0, 0.0), ("tailGather", 0.0, 1.0), ("tailSync", 1.0, 1.0),
            ] {
                if withGather == 1 && gather.allSatisfy({ $0 == 0 }) && constant.gather == 0 { continue }
                var terms: [LinearProgram.Term] = [.init(tail, -1)]
                for g in device.groups.indices {
                    terms.append(.init(layers[r][g], optimizer[g] + withReduce * reduce[g] + withGather * gather[g]))
                }
                let rowConstant = constant.optimizer + withReduce * constant.reduce + withGather * constant.gather
                program.addRow("\(name)[\(r)]", terms.filter { $0.coefficient != 0 }, .atMost(-rowConstant))
            }
        }
    }

    /// (10) A valid cut that closes the integrality gap at once: with N ≥ n[r] for every rank
    /// (integer), some rank holds N layers when N is least, so τ ≥ N·min μ + min extras; the LP
    /// relaxation alone spreads fractional layers evenly and leaves branch and bound a pigeonhole
    /// proof that GLPK does not finish for 32 stages.
    private mutating func addMostLayersCut(_ slowest: Int) {
        let total = table.totalLayers
        let most = program.addVariable("mostLayersOnARank", .between(0, Double(total)), integer: true)
        for r in 0..<ranks {
            program.addRow("most[\(r)]", layers[r].map { .init($0, 1) } + [.init(most, -1)], .atMost(0))
        }
        let fastestLayer = (0..<ranks).flatMap { table.onRank($0).groups.map(\.microbatchSeconds) }.min() ?? 0
        let leastExtras = (0..<ranks).map { rankTime($0).constant }.min() ?? 0
        program.addRow("mostLayersTime", [.init(slowest, 1), .init(most, -fastestLayer)], .atLeast(leastExtras))
    }

    /// (9), only when the model has dense layers before MoE layers.
    private mutating func addGroupOrder() {
        guard groupCount == 2 else { return }
        let dense = Double(table.groups[0].count), moe = Double(table.groups[1].count)
        let v = table.virtualStages
        firstChunkMoE = (0..<ranks).map { program.addVariable("firstChunkMoE[\($0)]", .between(0, moe), integer: true) }
        let after = (0..<ranks).map { program.addVariable("after[\($0)]", .between(0, 1), integer: true) }
        for r in 0..<ranks {
            let f = firstChunkMoE[r]
            program.addRow(
                "firstChunkHeld[\(r)]", [.init(f, 1), .init(layers[r][1], -1)], v == 1 ? .exactly(0) : .atMost(0))
            if v > 1 {
                program.addRow("firstChunkNonEmpty[\(r)]", [.init(layers[r][0], 1), .init(f, 1)], .atLeast(1))
                program.addRow(
                    "laterChunksNonEmpty[\(r)]", [.init(layers[r][1], 1), .init(f, -1)], .atLeast(Double(v - 1)))
            }
            program.addRow("moeAfter[\(r)]", [.init(f, 1), .init(after[r], -moe)], .atMost(0))
            if r + 1 < ranks {
                program.addRow(
                    "denseBefore[\(r)]", [.init(layers[r + 1][0], 1), .init(after[r], dense)], .atMost(dense))
                program.addRow("monotone[\(r)]", [.init(after[r], 1), .init(after[r + 1], -1)], .atMost(0))
            }
        }
    }

    /// Solves and decodes the split; the decoded split is re-evaluated, so the reported time is the
    /// cost model's own.
    public func solve(
        options: SolverOptions = SolverOptions()
    ) throws(SolverError) -> (layout: StageLayout, schedule: PipelineSchedule, status: LinearProgramSolution.Status) {
        if table.fixedLayout != nil {
            let best = table.fixedLayoutChoices.map { ($0, table.evaluate($0)) }
                .filter { $0.1.fitsMemory && $0.1.stepSeconds <= cutoff * (1 + 1e-9) }
                .min { $0.1.stepSeconds < $1.1.stepSeconds }
            guard let best else { throw .infeasible }
            return (best.0, best.1, .optimal)
        }
        let solution = try program.solve(options: options)
        let value = { (index: Int) in Int(solution.values[index].rounded()) }
        let rankLayers = layers.map { $0.map(value) }
        let rankRecomputed = recomputed.map { $0?.map(value) ?? Array(repeating: 0, count: groupCount) }
        let firstMoE = firstChunkMoE.map(value)
        let layout = decode(rankLayers: rankLayers, rankRecomputed: rankRecomputed, firstChunkMoE: firstMoE)
        return (layout, table.evaluate(layout), solution.status)
    }

    /// Spreads each rank's layers over its chunks: with two groups the dense layers (and f[r] MoE
    /// layers) in its first chunk, the rest evenly; recomputed layers fill chunks in order.
    func decode(rankLayers: [[Int]], rankRecomputed: [[Int]], firstChunkMoE: [Int]) -> StageLayout {
        let v = table.virtualStages
        var layers = Array(repeating: Array(repeating: 0, count: groupCount), count: table.chunks)
        var recomputed = layers
        for r in 0..<ranks {
            let rankChunks = Array(chunks(onRank: r))
            if groupCount == 2 && v > 1 {
                layers[rankChunks[0]] = [rankLayers[r][0], firstChunkMoE[r]]
                let rest = rankLayers[r][1] - firstChunkMoE[r]
                for (i, c) in rankChunks.dropFirst().enumerated() {
                    layers[c][1] = rest / (v - 1) + (i < rest % (v - 1) ? 1 : 0)
                }
            } else {
                for g in 0..<groupCount {
                    let total = rankLayers[r][g]
                    for (i, c) in rankChunks.enumerated() { layers[c][g] = total / v + (i < total % v ? 1 : 0) }
                }
            }
            for g in 0..<groupCount {
                var budget = rankRecomputed[r][g]
                if table.recomputeLayers == .sameCount && groupCount == 1 && v > 1 && budget < rankLayers[r][g] {
                    // N in every chunk (row 13): the rank's v·N spread evenly over its chunks.
                    for (i, c) in rankChunks.enumerated() {
                        recomputed[c][g] = min(budget / v + (i < budget % v ? 1 : 0), layers[c][g])
                    }
                    continue
                }
                for c in rankChunks {
                    let k = min(budget, layers[c][g])
                    recomputed[c][g] = k
                    budget -= k
                }
            }
        }
        return StageLayout(layers: layers, recomputed: recomputed)
    }
}
