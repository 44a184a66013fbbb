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
    /// Otherwise (two layer groups, or interleaved chunks, where min(N, chunk) is not linear in the rank's
    /// totals) and for `all` (torchtitan, DeepSpeed): every layer or none, k[r,g] = n[r,g]·z with one binary z.
    mutating func addLaunchableRecompute() {
        guard table.recomputeLayers != .any, recomputed.allSatisfy({ $0 != nil }) else { return }
        let total = Double(table.totalLayers)
        if table.recomputeLayers == .sameCount && groupCount == 1 && table.virtualStages == 1 {
            let count = program.addVariable("recomputeNumLayers", .between(0, total), integer: true)
            for r in 0..<ranks {
                let k = recomputed[r]![0], n = layers[r][0]
                let all = program.addVariable("recomputesAll[\(r)]", .between(0, 1), integer: true)
                program.addRow("blockAtMostN[\(r)]", [.init(k, 1), .init(count, -1)], .atMost(0))
                program.addRow(
                    "blockAtLeastN[\(r)]", [.init(k, 1), .init(count, -1), .init(all, total)], .atLeast(0))
                program.addRow(
                    "blockAtLeastHeld[\(r)]", [.init(k, 1), .init(n, -1), .init(all, -total)], .atLeast(-total))
            }
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
}
