import CostModel

/// One training step's pipeline schedule as events: which rank runs which microbatch's forward and
/// backward (with its recompute) through which chunk, and when. It is what the plan picture draws.
///
/// Orders are Megatron-LM's (megatron/core/pipeline_parallel/schedules.py): 1F1B for one chunk per
/// rank (rank r runs min(p − r − 1, m) warm-up forwards, then alternates one forward and one
/// backward, then drains the backwards; Narayanan et al. 2021, §2.2), and for v chunks per rank the
/// interleaved order, in which forward k of a rank is chunk (k / p) mod v of microbatch
/// ⌊k / (p·v)⌋·p + k mod p, backwards take the chunks in reverse, and warm-up is
/// min((p − r − 1)·2 + (v − 1)·p, m·v) forwards. A forward of chunk c waits for chunk c − 1's
/// forward of the same microbatch; a backward of c for c + 1's backward and its own forward. Sends
/// are inside the chunk times, as in `PipelineCostTable.chunkSeconds`.
package struct PipelineTimeline: Sendable {
    package enum Pass: String, Sendable { case forward, backward }

    package struct Event: Sendable {
        package var rank: Int
        package var chunk: Int
        package var microbatch: Int
        package var pass: Pass
        package var start: Double
        package var end: Double
        /// For a backward: the seconds at its start spent recomputing the forward.
        package var recomputeSeconds: Double
    }

    package var pipeline: Int
    package var virtualStages: Int
    package var microbatches: Int
    package var events: [Event]
    /// When the last backward ends.
    package var makespan: Double

    /// Simulates the schedule with per-chunk forward, backward and recompute seconds per microbatch.
    package init(forward: [Double], backward: [Double], recompute: [Double], pipeline p: Int, microbatches m: Int) {
        precondition(forward.count == backward.count && forward.count % p == 0, "chunks must be a multiple of p")
        let v = forward.count / p, chunks = forward.count
        pipeline = p
        virtualStages = v
        microbatches = m
        // Each rank's ordered work: (chunk, microbatch, pass).
        var orders: [[(Int, Int, Pass)]] = []
        for r in 0..<p {
            let total = m * v
            let warmup = v == 1 ? min(p - r - 1, m) : min((p - r - 1) * 2 + (v - 1) * p, total)
            func item(_ k: Int, _ pass: Pass) -> (Int, Int, Pass) {
                let group = (k / p) % v
                let local = pass == .forward ? group : v - 1 - group
                return (local * p + r, (k / (p * v)) * p + k % p, pass)
            }
            func plain(_ k: Int, _ pass: Pass) -> (Int, Int, Pass) { (r, k, pass) }
            let at = v == 1 ? plain : item
            var order: [(Int, Int, Pass)] = (0..<warmup).map { at($0, .forward) }
            for i in 0..<(total - warmup) {
                order.append(at(warmup + i, .forward))
                order.append(at(i, .backward))
            }
            for i in max(total - warmup, 0)..<total { order.append(at(i, .backward)) }
            orders.append(order)
        }
        var forwardEnd = [[Double?]](repeating: [Double?](repeating: nil, count: m), count: chunks)
        var backwardEnd = forwardEnd
        var next = [Int](repeating: 0, count: p)
        var free = [Double](repeating: 0, count: p)
        var events: [Event] = []
        var progressed = true
        while progressed {
            progressed = false
            for r in 0..<p where next[r] < orders[r].count {
                let (c, i, pass) = orders[r][next[r]]
                let ready: Double?
                switch pass {
                case .forward: ready = c == 0 ? 0 : forwardEnd[c - 1][i]
                case .backward:
                    guard let own = forwardEnd[c][i] else { continue }
                    ready = c == chunks - 1 ? own : backwardEnd[c + 1][i].map { max($0, own) }
                }
                guard let ready else { continue }
                let start = max(ready, free[r])
                let duration = pass == .forward ? forward[c] : backward[c] + recompute[c]
                let end = start + duration
                if pass == .forward { forwardEnd[c][i] = end } else { backwardEnd[c][i] = end }
                events.append(
                    Event(
                        rank: r, chunk: c, microbatch: i, pass: pass, start: start, end: end,
                        recomputeSeconds: pass == .backward ? recompute[c] : 0))
                free[r] = end
                next[r] += 1
                progressed = true
            }
        }
        precondition(next.enumerated().allSatisfy { $0.element == orders[$0.offset].count }, "schedule deadlocked")
        self.events = events
        makespan = events.map(\.end).max() ?? 0
    }
}
