import CostModel
import Testing

/// The mixed continuous-batching step and the step simulation (docs/cost-model.md, "Serving under load").
struct ServingSimulationTests {
    static let llama2_7b = InferenceCostTests.llama2_7b

    func cost(prompt: Int = 512, output: Int = 64, batch: Int = 64, continuous: Bool = true) -> InferenceCost {
        InferenceCost(
            model: Self.llama2_7b, cluster: Devices.cluster(nodes: 1),
            config: InferenceConfiguration(
                batchSize: batch, promptTokens: prompt, outputTokens: output, continuousBatching: continuous))
    }

    /// A decode-only step of B sequences at context P + O/2 is the decode step; a step that prefills
    /// one whole 2,048-token prompt (compute-bound) is that prompt's prefill.
    @Test func pureStepsAreTheDecodeAndPrefillSteps() {
        let c = cost(prompt: 2048, output: 128, batch: 64)
        let decode = c.stepSeconds(ServingStep(decodes: 64, decodeContextTokens: 64 * (2048 + 64)))
        #expect(abs(decode - c.decodeStepSeconds) < 1e-12)
        let prefill = c.stepSeconds(
            ServingStep(
                prefillTokens: 2048, prefillPairs: ServingStep.pairs(start: 0, tokens: 2048), completedPrefills: 1))
        #expect(abs(prefill - c.prefillSeconds(sequences: 1)) < 1e-12, "\(prefill) \(c.prefillSeconds(sequences: 1))")
    }

    /// Pairs of a chunk: 100 tokens from position 300 attend over 100·300 + 100²/2 = 35,000 positions.
    @Test func chunkPairs() {
        #expect(ServingStep.pairs(start: 300, tokens: 100) == 35_000)
        // Three chunks of a 5,000-token prompt add up to the whole prompt's P²/2.
        let chunks =
            ServingStep.pairs(start: 0, tokens: 2048) + ServingStep.pairs(start: 2048, tokens: 2048)
            + ServingStep.pairs(start: 4096, tokens: 904)
        #expect(chunks == 0.5 * 5000 * 5000)
    }

    /// Sharing one weight read makes a mixed step cheaper than its two halves run apart, and it is
    /// never cheaper than either.
    @Test func mixedStepSharesTheWeightRead() {
        let c = cost()
        let decode = ServingStep(decodes: 32, decodeContextTokens: 32 * 600)
        let prefill = ServingStep(
            prefillTokens: 512, prefillPairs: ServingStep.pairs(start: 0, tokens: 512), completedPrefills: 1)
        let mixed = ServingStep(
            decodes: 32, decodeContextTokens: 32 * 600, prefillTokens: 512, prefillPairs: prefill.prefillPairs,
            completedPrefills: 1)
        let both = c.stepSeconds(mixed)
        #expect(both < c.stepSeconds(decode) + c.stepSeconds(prefill))
        #expect(both > c.stepSeconds(decode) && both > c.stepSeconds(prefill))
    }

    /// Continuous batching at a full batch: TPOT = B / throughput (each step also carries the
    /// prefills of the requests that replace finished ones); static batching: one decode step.
    @Test func continuousTPOTIncludesThePrefills() {
        let c = cost(prompt: 1024, output: 256, batch: 64)
        #expect(abs(c.tpotSeconds - 64 / c.replicaOutputTokensPerSecond) < 1e-12)
        #expect(c.tpotSeconds > c.decodeStepSeconds * 1.05)
        #expect(cost(continuous: false).tpotSeconds == cost(continuous: false).decodeStepSeconds)
    }

    /// One request alone: its first token comes after its prefill step (a 5,000-token prompt in
    /// three chunks of at most 2,048), then one decode step per token at a context one longer each time.
    @Test func loneRequestIsItsStepsInTurn() {
        let c = cost(prompt: 5000, output: 8, batch: 1)
        let sim = ServingSimulation(
            cost: c, workload: ServingWorkload(promptTokens: 5000, outputTokens: 8, requests: 1),
            limits: SchedulerLimits(maxBatchedTokens: 2048, maxSequences: 8))
        let result = sim.run(.burst)
        var ttft = 0.0
        for (start, tokens) in [(0, 2048), (2048, 2048), (4096, 904)] {
            ttft += c.stepSeconds(
                ServingStep(
                    prefillTokens: tokens, prefillPairs: ServingStep.pairs(start: start, tokens: tokens),
                    completedPrefills: start + tokens == 5000 ? 1 : 0))
        }
        var decodes = 0.0
        for k in 1...7 { decodes += c.stepSeconds(ServingStep(decodes: 1, decodeContextTokens: Double(5000 + k))) }
        #expect(abs(result.ttftSeconds.mean - ttft) < 1e-9)
        #expect(abs(result.latencySeconds.mean - ttft - decodes) < 1e-9)
        #expect(abs(result.tpotSeconds.mean - decodes / 7) < 1e-9)
        #expect(result.steps == 10 && result.preemptions == 0)
    }

    /// A closed loop of one client sends requests one after another: throughput is the output
    /// length over one request's latency.
    @Test func oneClientIsSequential() {
        let c = cost(prompt: 256, output: 32, batch: 1)
        let result = ServingSimulation(
            cost: c, workload: ServingWorkload(promptTokens: 256, outputTokens: 32, requests: 20),
            limits: SchedulerLimits(maxBatchedTokens: 2048, maxSequences: 256)
        ).run(.closedLoop(concurrency: 1))
        #expect(
            abs(result.outputTokensPerSecond - 32 / result.latencySeconds.mean) / result.outputTokensPerSecond < 1e-9)
        #expect(abs(result.latencySeconds.p99 - result.latencySeconds.p50) < 1e-9)
    }

    /// Below saturation a Poisson load is served as offered, and Little's law holds: requests in
    /// the system = rate × time in the system (within 10% over 2,000 requests).
    @Test func poissonBelowSaturationObeysLittlesLaw() {
        let c = cost(prompt: 512, output: 64, batch: 64)
        let sim = ServingSimulation(
            cost: c, workload: ServingWorkload(promptTokens: 512, outputTokens: 64, requests: 2000),
            limits: SchedulerLimits(maxBatchedTokens: 2048, maxSequences: 256))
        let saturation = sim.run(.burst).requestsPerSecond
        let rate = 0.5 * saturation
        let result = sim.run(.poisson(requestsPerSecond: rate))
        #expect(abs(result.requestsPerSecond / rate - 1) < 0.05, "\(result.requestsPerSecond) vs \(rate)")
        // Little's law on the running batch (time in the system less the queue, which is short here).
        let inSystem = rate * result.latencySeconds.mean
        #expect(abs(result.meanRunningSequences / inSystem - 1) < 0.10, "\(result.meanRunningSequences) vs \(inSystem)")
        // More load, longer waits; the same inputs give the same numbers.
        let busier = sim.run(.poisson(requestsPerSecond: 0.9 * saturation))
        #expect(busier.ttftSeconds.p99 > result.ttftSeconds.p99)
        #expect(sim.run(.poisson(requestsPerSecond: rate)) == result)
    }

    /// A cache too small for the running batch preempts and recomputes, and still finishes every
    /// request; with room to spare nothing is preempted.
    @Test func kvCacheLimitPreempts() {
        let c = cost(prompt: 1024, output: 256, batch: 64)
        let workload = ServingWorkload(promptTokens: 1024, outputTokens: 256, requests: 200)
        let roomy = ServingSimulation(
            cost: c, workload: workload, limits: SchedulerLimits(maxBatchedTokens: 4096, maxSequences: 16)
        ).run(.burst)
        #expect(roomy.preemptions == 0)
        // The cache holds about 26k tokens here (80 GiB·0.9 − weights); 200 sequences of 1,280 do not fit.
        #expect(c.kvCacheTokens < 200 * 1280)
        let crowded = ServingSimulation(
            cost: c, workload: workload, limits: SchedulerLimits(maxBatchedTokens: 4096, maxSequences: 200)
        ).run(.burst)
        #expect(crowded.preemptions > 0)
        #expect(crowded.requests == 200 && crowded.latencySeconds.p99 > 0)
    }

    /// Nearest-rank percentiles of 1…100: p50 = 50, p90 = 90, p99 = 99, mean 50.5.
    @Test func percentiles() {
        let p = LatencyPercentiles((1...100).map(Double.init).reversed())
        #expect(p.mean == 50.5 && p.p50 == 50 && p.p90 == 90 && p.p99 == 99)
    }

    /// vLLM's defaults by device (vllm/engine/arg_utils.py, get_batch_defaults).
    @Test func vllmDefaults() {
        #expect(
            SchedulerLimits.vllmDefaults(profile: Devices.a100)
                == SchedulerLimits(maxBatchedTokens: 2048, maxSequences: 256))
    }
}
