internal import CGLPK

/// The one owner of a GLPK problem object. Every `glp_*` call of the package is in this file; the
/// pointer never leaves it. Built, solved and freed on one thread, in one synchronous call, because
/// GLPK keeps its environment per thread (docs/glpk.md).
struct GLPKProblem: ~Copyable {
    private let handle: OpaquePointer

    init() {
        // Terminal output is per thread: silence it before the first call that could print.
        glp_term_out(GLP_OFF)
        glp_term_hook({ _, _ in 1 }, nil)
        handle = glp_create_prob()!
    }

    deinit { glp_delete_prob(handle) }

    /// Loads a validated program. Indices are 1-based in GLPK with slot 0 unused.
    mutating func load(_ program: LinearProgram) {
        glp_set_obj_dir(handle, GLP_MIN)
        glp_add_cols(handle, Int32(program.variables.count))
        for (offset, variable) in program.variables.enumerated() {
            let column = Int32(offset + 1)
            let (kind, low, high) = Self.glpkBound(variable.bound)
            glp_set_col_bnds(handle, column, kind, low, high)
            glp_set_col_kind(handle, column, variable.isInteger ? GLP_IV : GLP_CV)
            glp_set_obj_coef(handle, column, variable.objective)
        }
        glp_set_obj_coef(handle, 0, program.objectiveConstant)
        guard !program.rows.isEmpty else { return }
        glp_add_rows(handle, Int32(program.rows.count))
        for (offset, row) in program.rows.enumerated() {
            let index = Int32(offset + 1)
            let (kind, low, high) = Self.glpkBound(row.bound)
            glp_set_row_bnds(handle, index, kind, low, high)
            var columns: [Int32] = [0] + row.terms.map { Int32($0.variable + 1) }
            var values: [Double] = [0] + row.terms.map(\.coefficient)
            glp_set_mat_row(handle, index, Int32(row.terms.count), &columns, &values)
        }
    }

    /// Branch and cut with presolve. A solution found before a limit stopped the search comes back
    /// `.feasible`; every outcome without one is a `SolverError` that says which of infeasible,
    /// stopped at a limit, or failed it is.
    func solve(variables: Int, options: SolverOptions) throws(SolverError) -> LinearProgramSolution {
        var parameters = glp_iocp()
        glp_init_iocp(&parameters)
        parameters.msg_lev = GLP_MSG_OFF
        parameters.presolve = GLP_ON
        parameters.tm_lim = Int32(min(max(options.timeLimitSeconds, 0.001), 3600) * 1000)
        parameters.mip_gap = options.relativeGap
        // A node limit, counted in a callback, stops branch and bound at the same point on every
        // run (the wall-clock limit alone would make answers depend on machine load).
        var budget = NodeBudget(remaining: options.nodeLimit)
        parameters.cb_func = { tree, info in
            guard let tree, let info, glp_ios_reason(tree) == GLP_ISELECT else { return }
            let budget = info.assumingMemoryBound(to: NodeBudget.self)
            budget.pointee.remaining -= 1
            if budget.pointee.remaining < 0 { glp_ios_terminate(tree) }
        }
        // No Gomory or MIR cuts (GLPK's default): they once closed the split MILP's root gap for
        // 32-stage splits with recompute (96 s → 3 s for a search, before the cutoff row and the
        // bounds), but now cost more than they save: on all 510 bundled searches the same plans and
        // MILP counts without them, 49 s instead of 82 s for `make bench`, DeepSeek-V3 on 1,024 H100s
        // at batch 1,024 0.73 s instead of 1.56 s, the 1T GPT 63 ms instead of 143 ms (2026-12-04).
        let code = withUnsafeMutablePointer(to: &budget) { pointer in
            parameters.cb_info = UnsafeMutableRawPointer(pointer)
            return glp_intopt(handle, &parameters)
        }
        let status = glp_mip_status(handle)
        switch code {
        case 0, GLP_EMIPGAP, GLP_ETMLIM, GLP_ESTOP:
            break
        case GLP_ENOPFS:
            throw .infeasible
        case GLP_ENODFS:
            throw .unbounded
        default:
            throw .failed(call: "glp_intopt", code: Int(code))
        }
        let solved: LinearProgramSolution.Status
        switch status {
        case GLP_OPT where code == 0:
            solved = .optimal
        case GLP_OPT, GLP_FEAS:
            solved = .feasible
        case GLP_NOFEAS:
            throw .infeasible
        case GLP_UNBND:
            throw .unbounded
        default:
            // Stopped before any integer solution: a limit, which says nothing about feasibility.
            // `tm_lim` is checked before each node, as (tm_lim − 1) ≤ elapsed ms: at 1 ms (the
            // smallest limit) a program that presolve does not settle stops before its first node.
            if code == GLP_ETMLIM { throw .timeLimit(seconds: options.timeLimitSeconds) }
            if code == GLP_ESTOP { throw .nodeLimit(nodes: options.nodeLimit) }
            throw .failed(call: "glp_mip_status", code: Int(status))
        }
        let values = (1...Int32(variables)).map { glp_mip_col_val(handle, $0) }
        return LinearProgramSolution(status: solved, objective: glp_mip_obj_val(handle), values: values)
    }

    private struct NodeBudget { var remaining: Int }

    private static func glpkBound(_ bound: LinearProgram.Bound) -> (Int32, Double, Double) {
        switch bound {
        case .free: (GLP_FR, 0, 0)
        case .atLeast(let low): (GLP_LO, low, 0)
        case .atMost(let high): (GLP_UP, 0, high)
        case .between(let low, let high) where low == high: (GLP_FX, low, high)
        case .between(let low, let high): (GLP_DB, low, high)
        case .exactly(let value): (GLP_FX, value, value)
        }
    }
}

extension LinearProgram {
    /// Solves with GLPK after validating every number GLPK would abort on.
    public func solve(options: SolverOptions = SolverOptions()) throws(SolverError) -> LinearProgramSolution {
        try validate()
        var problem = GLPKProblem()
        problem.load(self)
        return try problem.solve(variables: variables.count, options: options)
    }
}
