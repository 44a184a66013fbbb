import CostModel
import Testing

struct FLOPsTests {
    /// Narayanan et al. 2021 (SC'21) eq. 3 without recompute: 72·B·s·L·h²·(1 + s/(6h) + V/(12·L·h))
    /// per step, i.e. per token 72·L·h²·(1 + s/(6h) + V/(12·L·h)), for GPT with non-causal attention.
    @Test(arguments: [(24, 2304, 24), (96, 12288, 96), (128, 25600, 160)])
    func matchesNarayanan(layers: Int, hidden: Int, heads: Int) {
        let model = Models.megatronGPT(layers: layers, hidden: hidden, heads: heads)
        let (l, h, s, v) = (Double(layers), Double(hidden), 2048.0, 51200.0)
        let narayanan = 72 * l * h * h * (1 + s / (6 * h) + v / (12 * l * h))
        let ours = model.trainingFLOPsPerToken(sequenceLength: 2048, causal: false)
        #expect(abs(ours / narayanan - 1) < 1e-12)
    }

    /// Causal attention halves the attention-core term: for GPT-3 175B at s = 2048 the difference is
    /// 3 · (4·s·h·L)/2 = 6·2048·12288·96 = 14,495,514,624 FLOPs per token.
    @Test func causalHalvesAttentionCore() {
        let model = Models.gpt3_175b
        let difference =
            model.trainingFLOPsPerToken(sequenceLength: 2048, causal: false)
            - model.trainingFLOPsPerToken(sequenceLength: 2048, causal: true)
        #expect(difference == 14_495_514_624)
    }
}
