import CostModel
import Foundation
import Launchers
import PlanFiles
import Testing

/// The microbenchmark measures the GEMMs the plan runs.
struct MicrobenchScriptTests {
    /// Llama 3 8B at tp 1, microbatch 1 × 8192: QKV 4096 → (32 + 2·8)·128 = 6144, out 4096 → 4096,
    /// gate+up 4096 → 2·14336 = 28672, down 14336 → 4096; then the square sizes. At tp 2 each n (or k)
    /// halves.
    @Test func shapesAreThePlansLayerGEMMs() throws {
        let model = try DataDirectory().model("llama3-8b")
        let one = ParallelConfiguration(tensor: 1, data: 8, globalBatchSize: 128, sequenceLength: 8192)
        let shapes = MicrobenchScript.shapes(model: model, config: one).prefix(4).map { [$0.m, $0.n, $0.k] }
        #expect(shapes == [[8192, 6144, 4096], [8192, 4096, 4096], [8192, 28672, 4096], [8192, 4096, 14336]])
        let two = ParallelConfiguration(
            tensor: 2, data: 4, microbatchSize: 2, globalBatchSize: 128, sequenceLength: 8192)
        let halved = MicrobenchScript.shapes(model: model, config: two).prefix(4).map { [$0.m, $0.n, $0.k] }
        #expect(halved == [[16384, 3072, 4096], [16384, 4096, 2048], [16384, 14336, 4096], [16384, 4096, 7168]])
        let script = MicrobenchScript.text(
            shapes: MicrobenchScript.shapes(model: model, config: one), dtype: .bf16, origin: "x")
        #expect(script.contains("SHAPES = [(8192, 6144, 4096), (8192, 4096, 4096)"))
        #expect(script.contains("DTYPE = \"bf16\""))
    }
}
