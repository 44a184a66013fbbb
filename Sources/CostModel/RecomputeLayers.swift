/// Which per-chunk counts of fully recomputed layers a framework's launch can express; the split
/// search keeps to them, so the plan predicted is the job that runs (issue 13).
public enum RecomputeLayers: String, Sendable, Hashable, Codable, CaseIterable {
    /// Any count in any chunk.
    case any
    /// One count N for every chunk, each recomputing min(N, its layers): Megatron-LM's
    /// `--recompute-method block --recompute-num-layers N` (and `uniform` with 1 for every layer).
    case sameCount = "same_count"
    /// Every layer or none: torchtitan `activation_checkpoint.mode = "full"`, DeepSpeed's
    /// `activation_checkpoint_interval`, nanotron's `recompute_layer`.
    case all

    /// Whether `recomputed` layers of chunks holding `held` layers (one count per chunk, all layer
    /// groups together) can be launched.
    public func admits(held: [Int], recomputed: [Int]) -> Bool {
        let none = recomputed.allSatisfy { $0 == 0 }, every = held == recomputed
        switch self {
        case .any: return true
        case .all: return none || every
        case .sameCount:
            let n = recomputed.max() ?? 0
            return every || held.map { min(n, $0) } == recomputed
        }
    }
}
