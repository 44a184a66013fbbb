import CostModel

extension LayerSplitProgram {
    /// (13) Recompute counts the framework's launch can express (`PipelineCostTable.recomputeLayers`).
    ///
    /// `same_count` (Megatron-LM `--recompute-method block --recompute-num-layers N`: the first N layers of
    /// every chunk): with one layer group and one chunk per rank, k[r] = min(N, n[r]) exactly, by an
    /// integer N and a binary b[r] per rank (b[r] = 1: the rank holds at most N layers and recomputes all):
    ///
    ///     k[r] ≤ N,  k[r] ≤ n[r],  k[r] ≥ N − L·b[r],  k[r] ≥ n[r] − L·(1 − b[r])
    ///
    /// Interleaved (v chunks per rank, one group): the rank's time and memory depend on its totals only, and
    /// its chunks hold ⌊n[r]/v⌋ or ⌈n[r]/v⌉ layers, so N in every chunk is k[r] = v·N with v·N ≤ n[r]; or
    /// every layer (z = 1). min(N, chunk) with N above some chunk's size is left out (not linear in n[r]).
    ///
    ///     k[r] ≥ n[r] − L·(1 − z),  |k[r] − v·N| ≤ L·z,  v·N − n[r] ≤ L·z
    ///
    /// Two layer groups (dense-first MoE), where the first N layers of a chunk mix the groups, and `all`
    /// (torchtitan, DeepSpeed): every layer or none, k[r,g] = n[r,g]·z with one binary z.
    mutating func addLaunchableRecompute() {
        guard table.recomputeLayers != .any, recomputed.allSatisfy({ $0 != nil }) else { return }
        let total = Double(table.totalLayers)
        if table.recomputeLayers == .sameCount && groupCount == 1 && table.virtualStages == 1 {
            // Big-M: N never needs to exceed the fullest rank's cap, and n[r] is at most its own cap.
            let caps = (0..<ranks).map { layerCap(rank: $0) }
            let largest = caps.max() ?? total
            let count = program.addVariable("recomputeNumLayers", .between(0, largest), integer: true)
            for r in 0..<ranks {
                let k = recomputed[r]![0], n = layers[r][0]
                let all = program.addVariable("recomputesAll[\(r)]", .between(0, 1), integer: true)
                program.addRow("blockAtMostN[\(r)]", [.init(k, 1), .init(count, -1)], .atMost(0))
                program.addRow(
                    "blockAtLeastN[\(r)]", [.init(k, 1), .init(count, -1), .init(all, largest)], .atLeast(0))
                program.addRow(
                    "blockAtLeastHeld[\(r)]", [.init(k, 1), .init(n, -1), .init(all, -caps[r])], .atLeast(-caps[r]))
            }
            return
        }
        if table.recomputeLayers == .sameCount && groupCount == 1 {
            addSameCountInterleaved(total: total)
            return
        }
        // k[r,g] = n[r,g]·z, one binary z for the plan: k ≤ L·z, k ≥ n − L·(1 − z) (k ≤ n is row 5).
        let every = program.addVariable("recomputesEveryLayer", .between(0, 1), integer: true)
        for r in 0..<ranks {
            for g in 0..<groupCount {
                let k = recomputed[r]![g], n = layers[r][g]
                program.addRow("everyOrNoneAtMost[\(r),\(g)]", [.init(k, 1), .init(every, -total)], .atMost(0))
                program.addRow(
                    "everyOrNoneAtLeast[\(r),\(g)]", [.init(k, 1), .init(n, -1), .init(every, -total)],
                    .atLeast(-total))
            }
        }
    }

    /// The interleaved `same_count` rows (see `addLaunchableRecompute`).
    private mutating func addSameCountInterleaved(total: Double) {
        let v = Double(table.virtualStages)
        let count = program.addVariable("recomputeNumLayers", .between(0, total), integer: true)
        let every = program.addVariable("recomputesEveryLayer", .between(0, 1), integer: true)
        for r in 0..<ranks {
            let k = recomputed[r]![0], n = layers[r][0]
            program.addRow(
                "everyLayer[\(r)]", [.init(k, 1), .init(n, -1), .init(every, -total)], .atLeast(-total))
            program.addRow("perChunkAtMost[\(r)]", [.init(k, 1), .init(count, -v), .init(every, -total)], .atMost(0))
            program.addRow("perChunkAtLeast[\(r)]", [.init(k, 1), .init(count, -v), .init(every, total)], .atLeast(0))
            program.addRow("perChunkHeld[\(r)]", [.init(count, v), .init(n, -1), .init(every, -total)], .atMost(0))
        }
    }
}
