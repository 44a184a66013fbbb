import CostModel

/// Why the degrees the search did not choose lose, for `whyNotOthers`.
extension TrainingSearch {
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
