import Foundation
import Testing

/// `plan infer` prints a plan with the inference key paths of DESIGN.md.
@Suite(.serialized)
struct InferEndToEndTests {
    static let keys = [
        "schemaVersion", "model.name", "model.parameters", "cluster.name", "cluster.devices", "workload.mode",
        "workload.promptTokens", "workload.outputTokens", "parallelism.data", "parallelism.tensor",
        "parallelism.pipeline",
        "precision", "serving.batchSize", "serving.kvCachePrecision", "prediction.ttftSeconds",
        "prediction.tpotSeconds",
        "prediction.outputTokensPerSecond", "prediction.kvCacheTokens", "prediction.memoryPerDeviceGiB.weights",
        "prediction.memoryPerDeviceGiB.kvCache", "prediction.memoryPerDeviceGiB.activations",
        "prediction.memoryPerDeviceGiB.total", "solver.name", "solver.status",
    ]

    @Test func searchMeetsTargetsAndHoldsTheContract() throws {
        let result = try Binary.run([
            "infer", "--model", "llama3-8b", "--cluster", "dgx-h100-8", "--tpot-ms", "20",
            "--precision", "bf16,fp8", "--prompt-tokens", "512", "--output-tokens", "128",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let plan = try result.json()
        for key in Self.keys { #expect(Contract.value(plan, key) != nil, "missing \(key)") }
        #expect(Contract.value(plan, "workload.mode") as? String == "inference")
        let tpot = Contract.value(plan, "prediction.tpotSeconds") as? Double ?? 1
        #expect(tpot <= 0.020)
        #expect(plan["alternatives"] as? [Any] != nil)
        let total = Contract.value(plan, "prediction.memoryPerDeviceGiB.total") as? Double ?? 999
        #expect(total <= 80)
    }

    @Test func givenConfigurationIsPredicted() throws {
        let result = try Binary.run([
            "infer", "--model", "llama3-70b", "--cluster", "dgx-h100-8", "--tp", "4", "--pp", "1",
            "--replicas", "2", "--batch", "16",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let plan = try result.json()
        #expect(Contract.value(plan, "parallelism.tensor") as? Int == 4)
        #expect(Contract.value(plan, "parallelism.data") as? Int == 2)
        #expect(Contract.value(plan, "serving.batchSize") as? Int == 16)
    }

    @Test func impossibleTargetsAreAnAnswer() throws {
        let result = try Binary.run(["infer", "--model", "llama3-70b", "--cluster", "dgx-h100-8", "--tpot-ms", "0.5"])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("TPOT"))
    }
}
