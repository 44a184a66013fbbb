import CostModel
import Planner
import Testing

/// The plan picture's schedule simulation against the closed forms for uniform stages.
struct PipelineTimelineTests {
    /// 1F1B (Narayanan et al. 2021): with p stages of forward f and backward b, m microbatches take
    /// (m + p − 1)(f + b); each rank runs m forwards and m backwards.
    @Test(arguments: [(4, 8), (4, 4), (8, 16), (2, 1)])
    func oneForwardOneBackward(p: Int, m: Int) throws {
        let t = PipelineTimeline(
            forward: Array(repeating: 1, count: p), backward: Array(repeating: 2, count: p),
            recompute: Array(repeating: 0, count: p), pipeline: p, microbatches: m)
        #expect(abs(t.makespan - Double(m + p - 1) * 3) < 1e-9, "\(t.makespan)")
        for r in 0..<p { #expect(t.events.filter { $0.rank == r }.count == 2 * m) }
    }

    /// Interleaved with v chunks per rank of forward f/v and backward b/v each: m·v chunk-microbatches
    /// and a bubble of (p − 1)(f + b)/v, so (m + (p − 1)/v)(f + b) (Narayanan et al. 2021, §2.2).
    @Test(arguments: [(4, 2, 8), (4, 4, 8), (2, 3, 4), (8, 2, 16)])
    func interleaved(p: Int, v: Int, m: Int) throws {
        let chunk = 1.0 / Double(v)
        let t = PipelineTimeline(
            forward: Array(repeating: chunk, count: p * v), backward: Array(repeating: 2 * chunk, count: p * v),
            recompute: Array(repeating: 0, count: p * v), pipeline: p, microbatches: m)
        let expected = (Double(m) + Double(p - 1) / Double(v)) * 3
        #expect(abs(t.makespan - expected) < 1e-9, "p \(p) v \(v) m \(m): \(t.makespan) vs \(expected)")
    }

    /// Recompute runs at the start of each backward and lengthens it.
    @Test func recomputeLengthensBackward() throws {
        let t = PipelineTimeline(forward: [1], backward: [2], recompute: [1], pipeline: 1, microbatches: 3)
        #expect(t.makespan == 12)
        #expect(
            t.events.filter { $0.pass == .backward }.allSatisfy { $0.recomputeSeconds == 1 && $0.end - $0.start == 3 })
    }
}
