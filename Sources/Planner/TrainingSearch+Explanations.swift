import CostModel

/// Why the degrees the search did not choose lose, for `whyNotOthers`.
extension TrainingSearch {
    /// Why other tensor and pipeline degrees lose: the best plan found with that degree, or the
    /// bound that pruned it, or the memory it cannot get under. A degree whose MILPs stopped at a
    /// limit or failed says so instead of a bound, and a last line says the search is incomplete:
    /// a candidate nobody solved is never reported as not fitting.
    static func explainRejections(
        winner: TrainingPlan, evaluated: [TrainingPlan], candidates: [Candidate],
        noSplit: [Int: NoSplit], advice: String?
    ) -> [String] {
        var lines: [String] = []
        let step = winner.estimate.stepSeconds
        let gib = 1_073_741_824.0
        func describe(_ label: String, plans: [TrainingPlan], matching: [Candidate]) {
            guard !matching.isEmpty else { return }
            let unsolved = unsolvedClauses(unknownErrors(of: matching, noSplit), advice: advice)
            if let fastest = plans.first {  // `evaluated` is sorted fastest first
                let slower = (fastest.estimate.stepSeconds / step - 1) * 100
                let line =
                    "\(label): +\(formatted(slower))% step time at best (\(fastest.degrees), "
                    + "\(formatted(fastest.estimate.stepSeconds)) s)"
                lines.append(([line] + unsolved).joined(separator: "; "))
                return
            }
            let fitting = matching.filter { $0.memoryBound <= $0.table.largestCapacityBytes }
            if !unsolved.isEmpty {
                lines.append("\(label): " + unsolved.joined(separator: "; "))
            } else if fitting.isEmpty {
                let least = matching.map(\.memoryBound).min()! / gib
                let usable = matching.map(\.table.largestCapacityBytes).max()! / gib
                lines.append(
                    "\(label): does not fit, needs at least \(formatted(least)) GiB of "
                        + "\(formatted(usable)) usable")
            } else {
                // Each candidate is pruned by its bound or beaten under its MILP cutoff: its best is at least that.
                let bound = fitting.map { candidate in
                    guard case .beaten(let atLeast) = noSplit[candidate.index] else { return candidate.bound }
                    return max(candidate.bound, atLeast)
                }.min()!
                if bound.isFinite {
                    let slower = formatted(max(0, bound / step - 1) * 100)
                    lines.append("\(label): at least +\(slower)% step time (lower bound \(formatted(bound)) s)")
                } else {
                    lines.append("\(label): no layer split fits memory")
                }
            }
        }
        let precision = winner.config.precision
        for t in Set(candidates.map(\.config.tensor)).sorted() where t != winner.config.tensor {
            describe(
                "tp=\(t)", plans: evaluated.filter { $0.config.tensor == t },
                matching: candidates.filter { $0.config.tensor == t && $0.config.precision == precision })
        }
        for p in Set(candidates.map(\.config.pipeline)).sorted() where p != winner.config.pipeline {
            describe(
                "pp=\(p)", plans: evaluated.filter { $0.config.pipeline == p },
                matching: candidates.filter { $0.config.pipeline == p && $0.config.precision == precision })
        }
        // Expert parallelism, for MoE models: each degree's own best or bound (the all-to-all it pays
        // against the expert weights it spreads).
        for e in Set(candidates.map(\.config.expert)).sorted() where e != winner.config.expert {
            describe(
                "ep=\(e)", plans: evaluated.filter { $0.config.expert == e },
                matching: candidates.filter { $0.config.expert == e && $0.config.precision == precision })
        }
        let unsolved = unsolvedClauses(unknownErrors(of: candidates, noSplit), advice: advice)
        if !unsolved.isEmpty {
            lines.append("search incomplete, a faster plan may exist: " + unsolved.joined(separator: "; "))
        }
        return lines
    }

    /// The errors of the candidates whose MILP stopped at a limit or failed, with how many each.
    static func unknownErrors(of candidates: [Candidate], _ noSplit: [Int: NoSplit]) -> [SolverError: Int] {
        var errors: [SolverError: Int] = [:]
        for candidate in candidates {
            if case .unknown(let error) = noSplit[candidate.index] { errors[error, default: 0] += 1 }
        }
        return errors
    }

    /// One clause per error, most candidates first: "no split found within the 30 s time limit
    /// (12 candidates)" and then `advice` ("raise --time-limit"), "no split found within the
    /// 5000-node branch-and-bound limit (1 candidate)", "solver failed: glp_intopt failed with GLPK
    /// code 4 (invalid bounds) (1 candidate)".
    static func unsolvedClauses(_ errors: [SolverError: Int], advice: String?) -> [String] {
        let sorted = errors.sorted {
            $0.value != $1.value ? $0.value > $1.value : $0.key.description < $1.key.description
        }
        return sorted.map { error, count in
            let candidates = count == 1 ? "1 candidate" : "\(count) candidates"
            switch error {
            case .timeLimit(let seconds):
                return "no split found within the \(SolverError.seconds(seconds)) s time limit (\(candidates))"
                    + (advice.map { "; \($0)" } ?? "")
            case .nodeLimit(let nodes):
                return "no split found within the \(nodes)-node branch-and-bound limit (\(candidates))"
            default:
                return "solver failed: \(error) (\(candidates))"
            }
        }
    }

    static func formatted(_ value: Double) -> String {
        guard value.isFinite, abs(value) < 1e15 else { return value.isNaN ? "?" : "∞" }
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
