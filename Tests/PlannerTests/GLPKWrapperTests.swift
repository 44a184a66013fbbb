import Planner
import Testing

struct GLPKWrapperTests {
    /// maximise 5x + 4y s.t. 6x + 4y ≤ 24, x + 2y ≤ 6, x, y ∈ ℤ≥0. By hand: the LP optimum is
    /// (3, 1.5) = 21; over integers (4, 0) gives 20 and nothing reaches 21 (y ≥ 1 forces x ≤ 3: 19).
    @Test func knownIntegerOptimum() throws {
        var program = LinearProgram()
        let x = program.addVariable("x", .atLeast(0), integer: true, objective: -5)
        let y = program.addVariable("y", .atLeast(0), integer: true, objective: -4)
        program.addRow("paint", [.init(x, 6), .init(y, 4)], .atMost(24))
        program.addRow("labour", [.init(x, 1), .init(y, 2)], .atMost(6))
        let solution = try program.solve()
        #expect(solution.status == .optimal)
        #expect(solution.objective == -20)
        #expect(solution.values == [4, 0])
    }

    @Test func infeasibleIsATypedError() {
        var program = LinearProgram()
        let x = program.addVariable("x", .between(0, 10), integer: true, objective: 1)
        program.addRow("tooMuch", [.init(x, 1)], .atLeast(11))
        #expect(throws: SolverError.infeasible) { try program.solve() }
    }

    @Test func integerInfeasibleAfterBranching() {
        // 2x = 3 has a real but no integer solution.
        var program = LinearProgram()
        let x = program.addVariable("x", .between(0, 10), integer: true, objective: 1)
        program.addRow("odd", [.init(x, 2)], .exactly(3))
        #expect(throws: SolverError.infeasible) { try program.solve() }
    }

    /// GLPK aborts the process on a lower bound above the upper bound; validation must catch it first.
    @Test func boundViolationCaughtBeforeGLPK() {
        var program = LinearProgram()
        program.addVariable("x", .between(5, 1), objective: 1)
        #expect(throws: SolverError.self) { try program.solve() }
        do { try program.validate() } catch {
            guard case .invalidProblem(let why) = error else { Issue.record("wrong error \(error)"); return }
            #expect(why.contains("lower bound 5.0 above upper bound 1.0"))
        }
    }

    @Test(arguments: [1e-30, 1e30, Double.nan, Double.infinity, -1e30])
    func adversarialCoefficientsRejected(value: Double) {
        var program = LinearProgram()
        let x = program.addVariable("x", .between(0, 1), objective: 1)
        program.addRow("row", [.init(x, value)], .atMost(1))
        #expect(throws: SolverError.self) { try program.solve() }
    }

    @Test func badIndexAndDuplicateRejected() {
        var program = LinearProgram()
        let x = program.addVariable("x", .between(0, 1), objective: 1)
        program.addRow("ghost", [.init(7, 1)], .atMost(1))
        #expect(throws: SolverError.self) { try program.solve() }
        program.rows = [.init(name: "twice", terms: [.init(x, 1), .init(x, 2)], bound: .atMost(1))]
        #expect(throws: SolverError.self) { try program.solve() }
    }

    @Test func unboundedIsAnError() {
        var program = LinearProgram()
        program.addVariable("x", .atLeast(0), integer: true, objective: -1)
        #expect(throws: SolverError.self) { try program.solve() }
    }

    /// Problems on several threads at once (GLPK keeps its state per thread).
    @Test func concurrentSolves() async throws {
        try await withThrowingTaskGroup(of: Double.self) { group in
            for bound in 1...16 {
                group.addTask {
                    var program = LinearProgram()
                    let x = program.addVariable("x", .between(0, Double(bound)), integer: true, objective: -1)
                    program.addRow("half", [.init(x, 2)], .atMost(Double(bound)))
                    return try program.solve().objective
                }
            }
            var total = 0.0
            for try await value in group { total += value }
            // Σ floor(b/2) for b = 1…16 = 64.
            #expect(total == -64)
        }
    }
}
