import CostModel
import Testing

@testable import Planner

/// Every way a MILP can come back without a solution reads as what it is: infeasible, stopped at a
/// limit, or failed. None of these tests measures time: the smallest time limit (1 ms) stops GLPK
/// before its first branch-and-bound node on any machine (it checks (tm_lim − 1) ≤ elapsed ms), so
/// a program that needs the tree (not solved or refuted by presolve alone) always hits it.
struct SolverOutcomeTests {
    /// 126 layers on 16 stages with recompute: branch and bound needs nodes, so 1 ms is never enough.
    static let big = SplitMILPTests.table(
        layers: 126, stages: 16, microbatches: 64, recompute: .full,
        capacityFraction: 0.5, seed: 3)

    @Test func timeLimitReadsAsTimeLimit() throws {
        let tiny = SolverOptions(timeLimitSeconds: 0.001)
        #expect(throws: SolverError.timeLimit(seconds: 0.001)) {
            try LayerSplitProgram(table: Self.big).solve(options: tiny)
        }
        #expect(SolverError.timeLimit(seconds: 0.001).kind == .limit)
        #expect("\(SolverError.timeLimit(seconds: 0.001))" == "no solution within the 0.001 s time limit")
        // The same program has a split: the limit, not the program, stopped the solve.
        #expect(try LayerSplitProgram(table: Self.big).solve().status == .optimal)
    }

    @Test func nodeLimitReadsAsNodeLimit() {
        let none = SolverOptions(nodeLimit: 0)
        #expect(throws: SolverError.nodeLimit(nodes: 0)) {
            try LayerSplitProgram(table: Self.big).solve(options: none)
        }
        #expect(SolverError.nodeLimit(nodes: 0).kind == .limit)
    }

    /// Less memory than any split needs (brute force agrees): infeasible, proven.
    @Test func infeasibleSplitReadsAsInfeasible() {
        var table = SplitMILPTests.table(
            layers: 8, stages: 2, microbatches: 4, recompute: .full,
            capacityFraction: 0.5, seed: 1)
        table.capacityBytes *= 0.2
        #expect(BruteForceSplit.best(table) == nil)
        #expect(throws: SolverError.infeasible) { try LayerSplitProgram(table: table).solve() }
        #expect(SolverError.infeasible.kind == .infeasible)
    }

    /// An integer column with a fractional bound passes validation, and GLPK refuses it (GLP_EBOUND).
    @Test func programGLPKRejectsReadsAsFailure() {
        var program = LinearProgram()
        program.addVariable("x", .between(0, 2.5), integer: true, objective: -1)
        do {
            _ = try program.solve()
            Issue.record("GLPK solved a program with a fractional integer bound")
        } catch {
            #expect(error == .failed(call: "glp_intopt", code: 4))
            #expect(error.kind == .failure)
            #expect(error.description == "glp_intopt failed with GLPK code 4 (invalid bounds)")
        }
        #expect(SolverError.invalidProblem("x").kind == .failure)
        #expect(SolverError.unbounded.kind == .failure)
    }
}

/// The search keeps the three outcomes apart per candidate, and says so in `whyNotOthers`.
struct SearchOutcomeTests {
    /// A 1.2B-parameter GPT on 16 A100s: a few dozen candidates, several pipeline degrees.
    static let space: SearchSpace = {
        let model = ModelDescription(
            name: "small", layers: 16, hiddenSize: 2048, attentionHeads: 16,
            ffnHiddenSize: 8192, vocabularySize: 32000, maxPositions: 4096)
        let profile = HardwareProfile(
            name: "a100", description: "A100", densePeakTFLOPS: [.bf16: 312], memoryGiB: 80,
            memoryTBps: 2.039, linkGBpsOneDirection: 300, nicGbpsPerGPU: 200, gpusPerNode: 8,
            nvlinkDomainGPUs: 8)
        return SearchSpace(
            model: model, cluster: ClusterDescription(name: "test", profile: profile, nodes: 2),
            globalBatchSize: 64, sequenceLength: 4096, framework: .megatronDefaults)
    }()

    static func solver(failing pipeline: Int, with error: SolverError) -> TrainingSearch.SplitSolver {
        { work in
            work.table.pipeline == pipeline
                ? .failure(error) : TrainingSearch.solveSplit(work, options: SolverOptions())
        }
    }

    /// The line of `pp=p` and the pipeline degree the reference search does not choose, with MILPs.
    static func loser() throws -> (pipeline: Int, line: String) {
        let reference = TrainingSearch.run(space: space, options: SearchOptions())
        let winner = try #require(reference.plans.first).config.pipeline
        #expect(reference.timedOut == 0 && reference.solverFailures == 0 && reference.unsolvedReasons.isEmpty)
        let line = try #require(reference.rejections.first { $0.hasPrefix("pp=") && !$0.hasPrefix("pp=\(winner):") })
        return (Int(line.dropFirst(3).prefix { $0.isNumber })!, line)
    }

    @Test func timedOutDegreeIsNotReportedAsNotFitting() throws {
        let (pipeline, before) = try Self.loser()
        #expect(!before.contains("time limit"))
        let options = SearchOptions(solver: SolverOptions(timeLimitSeconds: 30), timeLimitAdvice: "raise --time-limit")
        let result = TrainingSearch.run(
            space: Self.space, options: options,
            solve: Self.solver(failing: pipeline, with: .timeLimit(seconds: 30)))
        #expect(!result.plans.isEmpty)
        #expect(result.timedOut > 0 && result.solverFailures == 0)
        let line = try #require(result.rejections.first { $0.hasPrefix("pp=\(pipeline):") })
        #expect(line.contains("no split found within the 30 s time limit"), "\(line)")
        #expect(line.contains("raise --time-limit"), "\(line)")
        #expect(!line.contains("does not fit") && !line.contains("no layer split fits"), "\(line)")
        #expect(result.rejections.last?.hasPrefix("search incomplete, a faster plan may exist: ") == true)
        let reason = "no split found within the 30 s time limit (\(result.timedOut) candidates); raise --time-limit"
        #expect(result.unsolvedReasons == [reason])
    }

    @Test func failedDegreeSaysSolverFailed() throws {
        let (pipeline, _) = try Self.loser()
        let result = TrainingSearch.run(
            space: Self.space, options: SearchOptions(),
            solve: Self.solver(
                failing: pipeline,
                with: .failed(
                    call: "glp_intopt",
                    code: 5)))
        #expect(result.solverFailures > 0 && result.timedOut == 0)
        let line = try #require(result.rejections.first { $0.hasPrefix("pp=\(pipeline):") })
        #expect(line.contains("solver failed: glp_intopt failed with GLPK code 5 (solver failed)"), "\(line)")
        #expect(!line.contains("does not fit") && !line.contains("time limit"), "\(line)")
    }

    /// Infeasible stays infeasible: counted apart, explained by a bound, never as a limit.
    @Test func infeasibleDegreeReadsAsBeaten() throws {
        let (pipeline, _) = try Self.loser()
        let result = TrainingSearch.run(
            space: Self.space, options: SearchOptions(),
            solve: Self.solver(failing: pipeline, with: .infeasible))
        #expect(result.infeasible > 0 && result.timedOut == 0 && result.solverFailures == 0)
        let line = try #require(result.rejections.first { $0.hasPrefix("pp=\(pipeline):") })
        #expect(!line.contains("time limit") && !line.contains("solver failed"), "\(line)")
        #expect(!result.rejections.contains { $0.hasPrefix("search incomplete") })
    }

    /// Every MILP timed out: no plan, and nothing counted as infeasible.
    @Test func allTimedOutIsNoPlanNotInfeasible() {
        let result = TrainingSearch.run(space: Self.space, options: SearchOptions()) { _ in
            .failure(.timeLimit(seconds: 0.001))
        }
        #expect(result.plans.isEmpty && result.rejections.isEmpty)
        #expect(result.timedOut > 0 && result.infeasible == 0)
        // No advice without `timeLimitAdvice`: the planner knows no flags.
        let reason = "no split found within the 0.001 s time limit (\(result.timedOut) candidates)"
        #expect(result.unsolvedReasons == [reason])
    }
}
