import Foundation
import PlanFiles

/// Full recompute as Megatron-LM runs it, chosen so that the layers it recomputes in each model chunk
/// are the plan's.
///
/// checkpointed_forward (NVIDIA/Megatron-LM megatron/core/recompute.py, called by TransformerBlock,
/// @ d98e8a64): `--recompute-method uniform --recompute-num-layers 1` checkpoints every layer of every
/// chunk; `--recompute-method block --recompute-num-layers N` checkpoints the first N layers of every
/// chunk, so a chunk of n layers recomputes min(N, n). Any other per-chunk pattern cannot be launched
/// (plans for megatron are kept to these by `recompute_layers_per_stage: same_count` in
/// frameworks/megatron.yaml), and is refused rather than run differently from its prediction.
struct MegatronRecompute {
    enum Method: Equatable {
        case noLayer
        case everyLayer
        case firstLayers(Int)
    }

    var method: Method?
    var arguments: [String]

    init(plan: LaunchPlan) throws {
        let held = plan.chunks.map(\.layerCount), planned = plan.chunks.map(\.recomputedLayers)
        guard let method = Self.method(held: held, recomputed: planned) else {
            throw InputError(
                file: plan.origin, key: "recompute.layersPerStage",
                "is \(planned.map(String.init).joined(separator: ", ")) for chunks of "
                    + "\(held.map(String.init).joined(separator: ", ")) layers; Megatron-LM recomputes the same "
                    + "first N layers of every chunk (--recompute-method block) or all of them (uniform), so it "
                    + "would run another plan; re-plan with `plan train --framework megatron` (which keeps to what "
                    + "Megatron runs), or `plan evaluate ... --recompute full --split uniform`"
            )
        }
        self.method = method
        switch method {
        case .noLayer:
            arguments = ["# full recompute of no layer: the plan recomputes nothing, so no recompute flags"]
        case .everyLayer:
            arguments = [
                "# every layer of every chunk recomputed", "--recompute-granularity full",
                "--recompute-method uniform", "--recompute-num-layers 1",
            ]
        case .firstLayers(let n):
            arguments = [
                "# the first \(n) layer\(n == 1 ? "" : "s") of each chunk recomputed "
                    + "(\(planned.map(String.init).joined(separator: ", ")))",
                "--recompute-granularity full", "--recompute-method block", "--recompute-num-layers \(n)",
            ]
        }
    }

    /// The Megatron method whose recomputed layers per chunk equal `recomputed`, or nil.
    static func method(held: [Int], recomputed: [Int]) -> Method? {
        if recomputed.allSatisfy({ $0 == 0 }) { return .noLayer }
        if zip(held, recomputed).allSatisfy({ $0 == $1 }) { return .everyLayer }
        let n = recomputed.max() ?? 0
        guard n > 0, launched(.firstLayers(n), held: held) == recomputed else { return nil }
        return .firstLayers(n)
    }

    /// The layers Megatron recomputes in each chunk under `method`.
    static func launched(_ method: Method, held: [Int]) -> [Int] {
        switch method {
        case .noLayer: return held.map { _ in 0 }
        case .everyLayer: return held
        case .firstLayers(let n): return held.map { min(n, $0) }
        }
    }
}
