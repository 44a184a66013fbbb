import Foundation

/// A step-by-step simulation of one continuous-batching replica under load
/// (docs/cost-model.md, "Serving under load"). Each step the scheduler gives every running
/// sequence the tokens it still needs (one for a decode, a chunk for a prompt), oldest first,
/// within `maxBatchedTokens`, then admits waiting requests while tokens, sequence slots and KV cache
/// last, as vLLM V1's scheduler does; when the cache is full the newest running request is
/// preempted and recomputed later. Each step lasts `InferenceCost.stepSeconds`.
///
/// A simulation rather than a queueing formula: chunked prefill, the KV limit and preemption
/// change the service time with the batch, which M/G/1-style approximations do not follow; a few
/// thousand requests simulate in milliseconds and give percentiles directly. Deterministic: the
/// lengths and arrival gaps come from a fixed-seed SplitMix64, scaled by the rate, so a higher rate
/// sends the same requests closer together.
public struct ServingSimulation: Sendable {
    public let cost: InferenceCost
    public let workload: ServingWorkload
    public let limits: SchedulerLimits

    public init(cost: InferenceCost, workload: ServingWorkload, limits: SchedulerLimits) {
        self.cost = cost
        self.workload = workload
        self.limits = limits
    }

    /// Latencies and throughput of one replica at `load`.
    public struct Result: Sendable, Hashable {
        /// The load simulated.
        public var load: ServingLoad
        /// Arrival to first token (queueing, prefill and the steps it shares).
        public var ttftSeconds: LatencyPercentiles
        /// Per request: (last token − first token) / (output tokens − 1).
        public var tpotSeconds: LatencyPercentiles
        /// Arrival to last token.
        public var latencySeconds: LatencyPercentiles
        public var outputTokensPerSecond: Double
        public var requestsPerSecond: Double
        public var meanRunningSequences: Double
        public var preemptions: Int
        public var steps: Int
        public var requests: Int
    }

    /// Tokens of KV cache the replica holds (at least one sequence of the longest request).
    public var kvCacheTokens: Int { Int(cost.kvCacheTokens.rounded(.down)) }

    /// Whether the longest request of the mix fits the cache alone; the simulation needs it.
    public var fitsLongestRequest: Bool { workload.longestRequestTokens <= kvCacheTokens }

    /// Runs the simulation. Requires `fitsLongestRequest` (otherwise no schedule exists).
    public func run(_ load: ServingLoad) -> Result {
        precondition(fitsLongestRequest, "the longest request does not fit the KV cache")
        let n = max(workload.requests, 1)
        var random = SplitMix64(state: 0x5EED_2026)
        var prompt = [Int](repeating: 0, count: n), output = [Int](repeating: 0, count: n)
        var gaps = [Double](repeating: 0, count: n)
        for i in 0..<n {
            prompt[i] = ServingWorkload.draw(workload.promptTokens, workload.promptSpread, random.uniform())
            output[i] = ServingWorkload.draw(workload.outputTokens, workload.outputSpread, random.uniform())
            gaps[i] = -log(random.uniform())
        }
        // Arrival times, known up front (Poisson, burst) or set when a client's last request ends.
        var arrival = [Double](repeating: .infinity, count: n)
        switch load {
        case .poisson(let rate):
            var t = 0.0
            for i in 0..<n {
                arrival[i] = t
                t += gaps[i] / rate
            }
        case .burst: for i in 0..<n { arrival[i] = 0 }
        case .closedLoop(let clients): for i in 0..<min(max(clients, 1), n) { arrival[i] = 0 }
        }
        // Closed loop: the next request goes out when one ends (`nextToIssue` < n).
        var nextToIssue = n
        if case .closedLoop(let clients) = load { nextToIssue = min(max(clients, 1), n) }

        var computed = [Int](repeating: 0, count: n), generated = [Int](repeating: 0, count: n)
        var first = [Double](repeating: 0, count: n), finish = [Double](repeating: 0, count: n)
        var running: [Int] = [], preempted: [Int] = []
        var nextArrival = 0  // requests below this index have entered the waiting queue
        var waiting: [Int] = [], waitingHead = 0
        var used = 0, done = 0, steps = 0, preemptions = 0
        var time = 0.0, runningSum = 0.0
        let capacity = kvCacheTokens

        while done < n {
            while nextArrival < n, arrival[nextArrival] <= time {
                waiting.append(nextArrival)
                nextArrival += 1
            }
            if running.isEmpty, preempted.isEmpty, waitingHead == waiting.count {
                guard nextArrival < n, arrival[nextArrival].isFinite else { break }
                time = arrival[nextArrival]
                continue
            }
            var budget = limits.maxBatchedTokens
            var scheduled: [(request: Int, tokens: Int)] = []
            var step = ServingStep()
            var preemptedNow = false
            var index = 0
            while index < running.count, budget > 0 {
                let r = running[index]
                let tokens = min(prompt[r] + generated[r] - computed[r], budget)
                // Make room: preempt the newest running requests (recompute) until this one fits.
                while used + tokens > capacity, running.count > index + 1 {
                    let victim = running.removeLast()
                    used -= computed[victim]
                    computed[victim] = 0
                    preempted.append(victim)
                    preemptions += 1
                    preemptedNow = true
                }
                if used + tokens > capacity {
                    // No newer request left to evict: this one is preempted itself (vLLM V1), and
                    // nothing is admitted this step. Never the oldest running one: it always fits.
                    running.remove(at: index)
                    used -= computed[r]
                    computed[r] = 0
                    preempted.append(r)
                    preemptions += 1
                    preemptedNow = true
                    break
                }
                used += tokens
                budget -= tokens
                scheduled.append((r, tokens))
                index += 1
            }
            // Admit waiting requests (the preempted first) while tokens, slots and cache last.
            while !preemptedNow, budget > 0, running.count < limits.maxSequences {
                let r: Int
                if let last = preempted.last {
                    r = last
                } else if waitingHead < waiting.count {
                    r = waiting[waitingHead]
                } else {
                    break
                }
                let tokens = min(prompt[r] + generated[r], budget)
                guard used + tokens <= capacity else { break }
                if preempted.last == r { preempted.removeLast() } else { waitingHead += 1 }
                running.append(r)
                used += tokens
                budget -= tokens
                scheduled.append((r, tokens))
            }
            if scheduled.isEmpty {
                // Nothing can run until a request arrives (the cache and slots are free here).
                guard nextArrival < n, arrival[nextArrival].isFinite else { break }
                time = max(time, arrival[nextArrival])
                continue
            }
            for (r, tokens) in scheduled {
                let length = prompt[r] + generated[r]
                if tokens == 1, computed[r] >= prompt[r] {
                    step.decodes += 1
                    step.decodeContextTokens += Double(computed[r] + 1)
                } else {
                    step.prefillTokens += tokens
                    step.prefillPairs += ServingStep.pairs(start: computed[r], tokens: tokens)
                    if computed[r] + tokens == length { step.completedPrefills += 1 }
                }
            }
            time += cost.stepSeconds(step)
            steps += 1
            runningSum += Double(running.count)
            var finished: Set<Int> = []
            for (r, tokens) in scheduled {
                computed[r] += tokens
                guard computed[r] == prompt[r] + generated[r] else { continue }
                generated[r] += 1
                if generated[r] == 1 { first[r] = time }
                if generated[r] >= output[r] {
                    finish[r] = time
                    finished.insert(r)
                    used -= computed[r]
                    done += 1
                    if nextToIssue < n {
                        arrival[nextToIssue] = time
                        nextToIssue += 1
                    }
                }
            }
            if !finished.isEmpty { running.removeAll { finished.contains($0) } }
        }
        let start = arrival.first ?? 0
        let makespan = max(finish.max() ?? 0, 1e-12) - start
        let totalOutput = output.reduce(0, +)
        return Result(
            load: load, ttftSeconds: LatencyPercentiles((0..<n).map { first[$0] - arrival[$0] }),
            tpotSeconds: LatencyPercentiles(
                (0..<n).filter { output[$0] > 1 }.map { (finish[$0] - first[$0]) / Double(output[$0] - 1) }),
            latencySeconds: LatencyPercentiles((0..<n).map { finish[$0] - arrival[$0] }),
            outputTokensPerSecond: Double(totalOutput) / makespan, requestsPerSecond: Double(n) / makespan,
            meanRunningSequences: steps == 0 ? 0 : runningSum / Double(steps), preemptions: preemptions,
            steps: steps, requests: n)
    }
}
