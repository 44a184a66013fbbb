/// Why a solve gave no usable answer: the one error of every MILP of the package (the split, the
/// replica placement, any `LinearProgram`).
///
/// Three different facts hide behind "no solution", and callers must not mix them up: the program
/// has none (`infeasible`), the solver stopped at a limit before finding one (`timeLimit`,
/// `nodeLimit`), or the solver could not run (`invalidProblem`, `unbounded`, `failed`). `kind`
/// sorts a case into these three, so that a search never reports a time-limited solve as "does
/// not fit".
public enum SolverError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The program was rejected before GLPK saw it.
    case invalidProblem(String)
    /// `GLP_NOFEAS` / `GLP_ENOPFS`: no assignment satisfies the rows (for a split MILP with a cutoff
    /// row: no split beats the cutoff).
    case infeasible
    /// `GLP_ENODFS` or an unbounded relaxation.
    case unbounded
    /// `GLP_ETMLIM` with no integer solution found: the program may or may not have one.
    case timeLimit(seconds: Double)
    /// The node limit of `SolverOptions` (`GLP_ESTOP`) with no integer solution found.
    case nodeLimit(nodes: Int)
    /// Any other GLPK return code of `call` (for `glp_mip_status`: an unexpected status).
    case failed(call: String, code: Int)

    /// What a failed solve says about the program.
    public enum Kind: Sendable, Hashable {
        /// The program has no solution: it is proven.
        case infeasible
        /// A limit stopped the solver first: nothing is known about the program.
        case limit
        /// The solver could not solve the program (rejected, unbounded, a GLPK error).
        case failure
    }

    /// Sorts the case into one of the three facts a caller reports differently.
    public var kind: Kind {
        switch self {
        case .infeasible: .infeasible
        case .timeLimit, .nodeLimit: .limit
        case .invalidProblem, .unbounded, .failed: .failure
        }
    }

    public var description: String {
        switch self {
        case .invalidProblem(let why): return "invalid program: \(why)"
        case .infeasible: return "the program has no feasible solution"
        case .unbounded: return "the program is unbounded"
        case .timeLimit(let seconds): return "no solution within the \(Self.seconds(seconds)) s time limit"
        case .nodeLimit(let nodes): return "no solution within the \(nodes)-node branch-and-bound limit"
        case .failed(let call, let code):
            let meaning = call == "glp_intopt" ? Self.glpkMeanings[code] : nil
            return "\(call) failed with GLPK code \(code)" + (meaning.map { " (\($0))" } ?? "")
        }
    }

    /// A time limit as people write it: "30", "0.5", "0.001".
    public static func seconds(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// What `glp_intopt`'s return codes mean (glpk.h), for messages.
    private static let glpkMeanings: [Int: String] = [
        1: "invalid basis", 2: "singular matrix", 3: "ill-conditioned matrix", 4: "invalid bounds",
        5: "solver failed", 6: "objective lower limit reached", 7: "objective upper limit reached",
        8: "iteration limit exceeded", 9: "time limit exceeded", 10: "no primal feasible solution",
        11: "no dual feasible solution", 12: "root LP optimum not provided", 13: "search terminated by application",
        14: "relative mip gap tolerance reached", 15: "no primal/dual feasible solution", 16: "no convergence",
        17: "numerical instability", 18: "invalid data", 19: "result out of range",
    ]
}
