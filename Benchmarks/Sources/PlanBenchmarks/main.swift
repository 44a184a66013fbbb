import CostModel
import Dispatch
import Planner

/// The speed targets of the planner issue, each timed over several runs of the whole search
/// (enumeration, bounds, split MILPs), median and best reported.
struct Case {
    var name: String
    var target: Double
    var space: SearchSpace
}

// Device profiles as in hardware-profiles/ (dense peaks; efficiency as calibrated there).
let a100 = HardwareProfile(
    name: "a100-sxm4-80gb", description: "A100 SXM4 80GB", densePeakTFLOPS: [.bf16: 312, .fp16: 312, .fp32: 19.5],
    memoryGiB: 80, memoryTBps: 2.039, linkGBpsOneDirection: 300, nicGbpsPerGPU: 200, gpusPerNode: 8, nvlinkDomainGPUs: 8,
    efficiency: Efficiency(gemmMax: 0.75, gemmHalfGFLOP: 4, memory: 0.8, nvlink: 0.75, network: 0.8))
let h100 = HardwareProfile(
    name: "h100-sxm5-80gb", description: "H100 SXM5 80GB", densePeakTFLOPS: [.bf16: 989.4, .fp16: 989.4, .fp8: 1978.9],
    memoryGiB: 80, memoryTBps: 3.35, linkGBpsOneDirection: 450, nicGbpsPerGPU: 400, gpusPerNode: 8, nvlinkDomainGPUs: 8,
    efficiency: Efficiency(gemmMax: 0.75, gemmHalfGFLOP: 20, fp8GemmMax: 0.55, tensorCommOverlap: 0.5))

// Models as in models/ (Hugging Face configs; Megatron's 1T GPT of the SC'21 paper).
let gpt1T = ModelDescription(name: "megatron-1t", layers: 128, hiddenSize: 25600, attentionHeads: 160,
                             ffnHiddenSize: 102400, vocabularySize: 51200, maxPositions: 2048)
let llama405B = ModelDescription(name: "llama3.1-405b", layers: 126, hiddenSize: 16384, attentionHeads: 128, keyValueHeads: 8,
                                 ffnHiddenSize: 53248, vocabularySize: 128256, maxPositions: 131072, feedForward: .gated, tiedEmbeddings: false)
let llama70B = ModelDescription(name: "llama3-70b", layers: 80, hiddenSize: 8192, attentionHeads: 64, keyValueHeads: 8,
                                ffnHiddenSize: 28672, vocabularySize: 128256, maxPositions: 8192, feedForward: .gated, tiedEmbeddings: false)

let cases = [
    Case(name: "1T GPT (128 layers, h 25600) on 3,072 A100s, batch 3072 × 2048", target: 1,
         space: SearchSpace(model: gpt1T, cluster: ClusterDescription(name: "dgx-a100-3072", profile: a100, nodes: 384),
                            globalBatchSize: 3072, sequenceLength: 2048)),
    Case(name: "Llama-3.1-405B on 16,384 H100s, batch 2048 × 8192", target: 1,
         space: SearchSpace(model: llama405B, cluster: ClusterDescription(name: "dgx-h100-16384", profile: h100, nodes: 2048),
                            globalBatchSize: 2048, sequenceLength: 8192)),
    Case(name: "Llama-3-70B on 64 H100s, batch 128 × 8192", target: 0.1,
         space: SearchSpace(model: llama70B, cluster: ClusterDescription(name: "dgx-h100-64", profile: h100, nodes: 8),
                            globalBatchSize: 128, sequenceLength: 8192)),
]

let repetitions = 5
print("case | target s | median s | best s | candidates | MILPs | plan")
for benchmark in cases {
    var times: [Double] = []
    var last: SearchResult?
    for _ in 0..<repetitions {
        let start = DispatchTime.now().uptimeNanoseconds
        last = TrainingSearch.run(space: benchmark.space)
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    times.sort()
    let plan = last?.plans.first.map { "\($0.degrees) mbs \($0.config.microbatchSize) v \($0.config.virtualStages), \($0.estimate.stepSeconds) s" } ?? "none"
    print("\(benchmark.name) | \(benchmark.target) | \(times[times.count / 2]) | \(times[0]) | \(last?.candidates ?? 0) | \(last?.milpsSolved ?? 0) | \(plan)")
}
