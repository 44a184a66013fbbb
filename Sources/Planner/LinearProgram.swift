/// A mixed-integer linear program as plain values: variables with bounds, linear rows, an objective.
/// Solver-agnostic, so tests can build and inspect one without GLPK; `solve(options:)` hands it to GLPK.
public struct LinearProgram: Sendable, Hashable {
    /// Bounds of a variable or a row.
    public enum Bound: Sendable, Hashable {
        case free
        case atLeast(Double)
        case atMost(Double)
        case between(Double, Double)
        case exactly(Double)
    }

    public struct Variable: Sendable, Hashable {
        public var name: String
        public var bound: Bound
        public var isInteger: Bool
        public var objective: Double
        public init(name: String, bound: Bound, isInteger: Bool = false, objective: Double = 0) {
            self.name = name
            self.bound = bound
            self.isInteger = isInteger
            self.objective = objective
        }
    }

    public struct Term: Sendable, Hashable {
        public var variable: Int
        public var coefficient: Double
        public init(_ variable: Int, _ coefficient: Double) {
            self.variable = variable
            self.coefficient = coefficient
        }
    }

    public struct Row: Sendable, Hashable {
        public var name: String
        public var terms: [Term]
        public var bound: Bound
        public init(name: String, terms: [Term], bound: Bound) {
            self.name = name
            self.terms = terms
            self.bound = bound
        }
    }

    public var variables: [Variable] = []
    public var rows: [Row] = []
    /// Constant added to the objective.
    public var objectiveConstant: Double = 0

    public init() {}

    /// Adds a variable and returns its index.
    @discardableResult
    public mutating func addVariable(
        _ name: String, _ bound: Bound, integer: Bool = false, objective: Double = 0
    ) -> Int {
        variables.append(Variable(name: name, bound: bound, isInteger: integer, objective: objective))
        return variables.count - 1
    }

    public mutating func addRow(_ name: String, _ terms: [Term], _ bound: Bound) {
        rows.append(Row(name: name, terms: terms, bound: bound))
    }

    /// Largest coefficient or bound magnitude accepted; beyond it GLPK's simplex loses precision.
    public static let largestMagnitude = 1e12
    /// Smallest non-zero magnitude accepted.
    public static let smallestMagnitude = 1e-12

    /// Checks everything GLPK would abort on, or solve wrongly: indices, finite and sanely scaled
    /// numbers, lower ≤ upper, integer bounds that hold an integer, duplicate terms in a row.
    public func validate() throws(SolverError) {
        func check(_ value: Double, _ what: @autoclosure () -> String) throws(SolverError) {
            guard value.isFinite else { throw .invalidProblem("\(what()) is \(value)") }
            let magnitude = abs(value)
            if magnitude > Self.largestMagnitude || (magnitude != 0 && magnitude < Self.smallestMagnitude) {
                throw .invalidProblem("\(what()) = \(value) is outside ±[1e-12, 1e12]; rescale the units")
            }
        }
        func check(_ bound: Bound, _ what: String) throws(SolverError) {
            switch bound {
            case .free: break
            case .atLeast(let low): try check(low, "lower bound of \(what)")
            case .atMost(let high): try check(high, "upper bound of \(what)")
            case .exactly(let value): try check(value, "value of \(what)")
            case .between(let low, let high):
                try check(low, "lower bound of \(what)")
                try check(high, "upper bound of \(what)")
                if low > high { throw .invalidProblem("\(what) has lower bound \(low) above upper bound \(high)") }
            }
        }
        guard !variables.isEmpty else { throw .invalidProblem("the program has no variables") }
        try check(objectiveConstant, "objective constant")
        for variable in variables {
            try check(variable.bound, "variable \(variable.name)")
            try check(variable.objective, "objective coefficient of \(variable.name)")
            if variable.isInteger, case .between(let low, let high) = variable.bound, (low.rounded(.up)) > high {
                throw .invalidProblem("integer variable \(variable.name) has no integer in [\(low), \(high)]")
            }
        }
        for row in rows {
            try check(row.bound, "row \(row.name)")
            var seen = Set<Int>()
            for term in row.terms {
                guard variables.indices.contains(term.variable) else {
                    throw .invalidProblem("row \(row.name) names variable \(term.variable) of \(variables.count)")
                }
                guard seen.insert(term.variable).inserted else {
                    throw .invalidProblem("row \(row.name) names variable \(variables[term.variable].name) twice")
                }
                try check(term.coefficient, "coefficient of \(variables[term.variable].name) in row \(row.name)")
            }
        }
    }

    /// Objective value of an assignment.
    public func objective(of values: [Double]) -> Double {
        zip(variables, values).reduce(objectiveConstant) { $0 + $1.0.objective * $1.1 }
    }
}

/// The outcome of a solve.
public struct LinearProgramSolution: Sendable, Hashable {
    /// Mirrors GLPK's MIP status.
    public enum Status: String, Sendable, Hashable, Codable {
        /// `GLP_OPT`: optimality proven.
        case optimal
        /// `GLP_FEAS`: a feasible solution, not proven optimal (time limit or gap reached).
        case feasible
    }

    public var status: Status
    public var objective: Double
    public var values: [Double]
}

/// Knobs of the solver, in one value.
public struct SolverOptions: Sendable, Hashable {
    /// Wall-time limit for one solve, seconds (GLPK `tm_lim`; it may overshoot).
    public var timeLimitSeconds: Double
    /// Relative MIP gap at which to stop (GLPK `mip_gap`); 0 proves optimality.
    public var relativeGap: Double
    /// Branch-and-bound subproblems to explore before stopping with the best solution so far:
    /// a limit that, unlike time, gives the same answer on every machine and load.
    public var nodeLimit: Int

    public init(timeLimitSeconds: Double = 10, relativeGap: Double = 0, nodeLimit: Int = 5000) {
        self.timeLimitSeconds = timeLimitSeconds
        self.relativeGap = relativeGap
        self.nodeLimit = nodeLimit
    }
}
