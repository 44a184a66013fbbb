/// How requests reach a serving replica, as benchmark clients send them.
public enum ServingLoad: Sendable, Hashable {
    /// Open loop: Poisson arrivals at this many requests per second (vLLM `benchmark_serving
    /// --request-rate`, the load of a public endpoint).
    case poisson(requestsPerSecond: Double)
    /// Closed loop: this many clients, each sending its next request when the last one finished
    /// (`--max-concurrency`, LMDeploy's and GenAI-Perf's concurrency runs).
    case closedLoop(concurrency: Int)
    /// Every request at time zero (offline throughput runs: trtllm-bench, vLLM `benchmark_throughput`).
    case burst
}

/// Request lengths: a mean with a uniform spread of ± `spread` × mean, as ShareGPT-style mixes
/// vary (spread 0 is the fixed-length benchmark).
public struct ServingWorkload: Sendable, Hashable {
    public var promptTokens: Int
    public var outputTokens: Int
    public var promptSpread: Double
    public var outputSpread: Double
    /// Requests simulated.
    public var requests: Int

    public init(
        promptTokens: Int, outputTokens: Int, promptSpread: Double = 0, outputSpread: Double = 0, requests: Int = 1000
    ) {
        self.promptTokens = promptTokens
        self.outputTokens = outputTokens
        self.promptSpread = promptSpread
        self.outputSpread = outputSpread
        self.requests = requests
    }

    /// Longest prompt plus output a request of this mix can have.
    public var longestRequestTokens: Int {
        Self.high(promptTokens, promptSpread) + Self.high(outputTokens, outputSpread)
    }

    static func high(_ mean: Int, _ spread: Double) -> Int { Int((Double(mean) * (1 + spread)).rounded()) }
    static func draw(_ mean: Int, _ spread: Double, _ u: Double) -> Int {
        max(1, Int((Double(mean) * (1 + spread * (2 * u - 1))).rounded()))
    }
}

/// What the engine's scheduler allows per step.
public struct SchedulerLimits: Sendable, Hashable {
    /// Tokens one step may carry (decodes plus prefill chunks): vLLM `--max-num-batched-tokens`,
    /// the chunked-prefill chunk size.
    public var maxBatchedTokens: Int
    /// Sequences running at once: vLLM `--max-num-seqs`.
    public var maxSequences: Int

    public init(maxBatchedTokens: Int, maxSequences: Int) {
        self.maxBatchedTokens = maxBatchedTokens
        self.maxSequences = maxSequences
    }

    /// vLLM V1's defaults for its OpenAI server (vllm/engine/arg_utils.py,
    /// `EngineArgs.get_batch_defaults`): 8192 batched tokens and 1024 sequences on a device of at
    /// least 70 GiB that is not an A100, else 2048 and 256.
    public static func vllmDefaults(profile: HardwareProfile) -> SchedulerLimits {
        let large = profile.memoryGiB >= 70 && !profile.name.lowercased().contains("a100")
        return large
            ? SchedulerLimits(maxBatchedTokens: 8192, maxSequences: 1024)
            : SchedulerLimits(maxBatchedTokens: 2048, maxSequences: 256)
    }
}

/// Mean and percentiles of one latency over the simulated requests, seconds.
public struct LatencyPercentiles: Sendable, Hashable, Codable {
    public var mean, p50, p90, p99: Double

    /// Nearest-rank percentiles of `values` (an empty list gives zeros).
    public init(_ values: [Double]) {
        let sorted = values.sorted()
        func rank(_ q: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let index = Int((q * Double(sorted.count)).rounded(.up)) - 1
            return sorted[min(max(index, 0), sorted.count - 1)]
        }
        mean = sorted.isEmpty ? 0 : sorted.reduce(0, +) / Double(sorted.count)
        p50 = rank(0.5)
        p90 = rank(0.9)
        p99 = rank(0.99)
    }
}

/// SplitMix64 (Steele, Lea and Flood 2014): a generator whose stream is fixed by its seed, so a
/// simulation (and a property test) gives the same numbers on every run and machine.
public struct SplitMix64: Sendable {
    public var state: UInt64
    public init(state: UInt64) { self.state = state }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in (0, 1).
    public mutating func uniform() -> Double { (Double(next() >> 11) + 0.5) / 9_007_199_254_740_992 }
}
