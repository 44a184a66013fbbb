import CostModel
import Testing

/// Parameter counts derived from the shapes must match what publishers state, within 1%.
struct ParameterCountTests {
    @Test(arguments: [
        (Models.llama3_70b, 70.6e9),  // Hugging Face model card of meta-llama/Meta-Llama-3-70B
        (Models.gpt3_175b, 175e9),  // Brown et al. 2020
        (Models.llama31_405b, 405.9e9),  // 405,853,388,800 counted from the config
        (Models.mixtral8x7b, 46.7e9),  // Mistral AI, "Mixtral of experts" (2024)
    ])
    func totalMatchesPublished(model: ModelDescription, published: Double) {
        let ratio = model.totalParameters / published
        #expect(abs(ratio - 1) < 0.01, "\(model.name): \(model.totalParameters) vs \(published)")
    }

    @Test func mixtralActiveParameters() {
        // 12.9e9 active per token (Mixtral paper, §2.1).
        #expect(abs(Models.mixtral8x7b.activeParameters / 12.9e9 - 1) < 0.01)
    }

    @Test func llama70bLayerByHand() {
        // Attention: 8192·8192 (Q) + 2·8192·1024 (K, V) + 8192·8192 (O) = 150,994,944.
        #expect(Models.llama3_70b.attentionParameters == 150_994_944)
        // FFN: 3·8192·28672 = 704,643,072.
        #expect(Models.llama3_70b.feedForwardParameters(hidden: 28672) == 704_643_072)
        // Total: 80·(150,994,944 + 704,643,072 + 16,384) + 2·128256·8192 + 8192 = 70,553,706,496.
        #expect(Models.llama3_70b.totalParameters == 70_553_706_496)
    }
}
