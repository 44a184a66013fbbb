extension ServingSimulation {
    /// The highest Poisson rate a replica sustains while `accept` holds.
    public struct RateSearch: Sendable {
        /// Requests per second: the saturation rate where even it passes, 0 where not even a
        /// near-idle load does.
        public var rate: Double
        /// The run at `rate` (at the near-idle rate when `rate` is 0).
        public var result: Result
        /// The first rejected run above `rate` (what limits it); nil when saturation passes.
        public var rejected: Result?
    }

    /// Bisection, 24 halvings, between a near-idle rate (10⁻⁶ of saturation) and the saturation
    /// rate (every request at once): the same requests at each rate, only their gaps scaled.
    public func highestRate(where accept: (Result) -> Bool) -> RateSearch {
        let saturation = run(.burst).requestsPerSecond
        let full = run(.poisson(requestsPerSecond: saturation))
        if accept(full) { return RateSearch(rate: saturation, result: full, rejected: nil) }
        var low = saturation * 1e-6, high = saturation
        var best = run(.poisson(requestsPerSecond: low))
        guard accept(best) else { return RateSearch(rate: 0, result: best, rejected: best) }
        var rejected = full
        for _ in 0..<24 {
            let middle = (low + high) / 2
            let result = run(.poisson(requestsPerSecond: middle))
            if accept(result) {
                low = middle
                best = result
            } else {
                high = middle
                rejected = result
            }
        }
        return RateSearch(rate: low, result: best, rejected: rejected)
    }
}
