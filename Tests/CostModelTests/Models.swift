import CostModel

/// Published architectures, written out in the tests so each expected value can be checked by hand.
enum Models {
    /// Llama 3 70B (Meta, config.json): 80 layers, h 8192, 64 heads, 8 KV heads, SwiGLU 28672, vocab 128256, untied.
    static let llama3_70b = ModelDescription(
        name: "llama3-70b", layers: 80, hiddenSize: 8192, attentionHeads: 64, keyValueHeads: 8, ffnHiddenSize: 28672,
        vocabularySize: 128256, maxPositions: 8192, feedForward: .gated, tiedEmbeddings: false)
    /// GPT-3 175B (Brown et al. 2020, Table 2.1): 96 layers, h 12288, 96 heads, f = 4h, vocab 50257, tied.
    static let gpt3_175b = ModelDescription(
        name: "gpt3-175b", layers: 96, hiddenSize: 12288, attentionHeads: 96, ffnHiddenSize: 49152,
        vocabularySize: 50257, maxPositions: 2048)
    /// Llama 3.1 405B: 126 layers, h 16384, 128 heads, 8 KV heads, SwiGLU 53248, vocab 128256, untied.
    static let llama31_405b = ModelDescription(
        name: "llama3.1-405b", layers: 126, hiddenSize: 16384, attentionHeads: 128, keyValueHeads: 8,
        ffnHiddenSize: 53248, vocabularySize: 128256, maxPositions: 131072, feedForward: .gated, tiedEmbeddings: false)
    /// Mixtral 8x7B: 32 layers, h 4096, 32 heads, 8 KV heads, 8 experts of 14336, top-2, vocab 32000, untied.
    static let mixtral8x7b = ModelDescription(
        name: "mixtral-8x7b", layers: 32, hiddenSize: 4096, attentionHeads: 32, keyValueHeads: 8, ffnHiddenSize: 14336,
        vocabularySize: 32000, maxPositions: 32768, feedForward: .gated, tiedEmbeddings: false,
        moe: MixtureOfExperts(experts: 8, expertsPerToken: 2, expertFFNHiddenSize: 14336))
    /// GPT-style model of the Megatron SC'21 table (f = 4h, MHA, vocab 51200).
    static func megatronGPT(layers: Int, hidden: Int, heads: Int) -> ModelDescription {
        ModelDescription(
            name: "gpt", layers: layers, hiddenSize: hidden, attentionHeads: heads,
            ffnHiddenSize: 4 * hidden, vocabularySize: 51200, maxPositions: 2048)
    }
}

enum Devices {
    /// A100 SXM4 80GB: 312 dense BF16 TFLOP/s, 2.039 TB/s, NVLink 300 GB/s one direction, 200 Gb/s NIC.
    static let a100 = HardwareProfile(
        name: "a100-sxm4-80gb", description: "A100", densePeakTFLOPS: [.bf16: 312, .fp16: 312, .fp32: 19.5],
        memoryGiB: 80, memoryTBps: 2.039, linkGBpsOneDirection: 300, nicGbpsPerGPU: 200, gpusPerNode: 8,
        nvlinkDomainGPUs: 8)
    static func cluster(nodes: Int) -> ClusterDescription {
        ClusterDescription(name: "a100-\(nodes * 8)", profile: a100, nodes: nodes)
    }
}
