import CostModel
import Foundation
import PlanFiles
import Planner
import Testing

/// Training logs as runs: the sample logs in Tests/Fixtures/logs (Megatron-LM and torchtitan formats).
struct TrainingLogTests {
    static func fixture(_ name: String) -> URL { BadFileTests.fixture("logs/\(name)") }

    static func runs(_ text: String, file: String = "runs.yaml") throws -> [PublishedRun] {
        let url = Self.fixture(file)
        return try RunsFile.decode(YAMLMapping(data: Data(text.utf8), shownAs: url.path), data: DataDirectory())
    }

    /// Iterations 30–60 (the first two are warm-up): 19512.8, 19577.1, 19498.3, 19541.0 ms, median
    /// 19526.9 ms; 128 × 8192 tokens / 19.5269 s / 8 GPUs = 6712.4 tokens/s per GPU.
    @Test func megatronLogGivesModelConfigurationAndSpeed() throws {
        let text = try String(contentsOf: Self.fixture("megatron-llama3-8b-tp1-mbs1.log"), encoding: .utf8)
        let log = try TrainingLog(text: text, file: "m.log")
        #expect(log.kind == .megatron && log.loggedSteps == 6 && log.samples.count == 4)
        #expect(abs(log.median - 19.5269) < 1e-9)
        let run = try #require(
            try Self.runs(
                "runs:\n  - id: a\n    log: megatron-llama3-8b-tp1-mbs1.log\n"
                    + "    cluster: {gpu: h100-sxm5-80gb, nodes: 1}\n"
            ).first)
        #expect(abs(run.measuredTokensPerSecondPerDevice - 6712.4) < 0.05)
        #expect(run.model.layers == 32 && run.model.hiddenSize == 4096 && run.model.keyValueHeads == 8)
        #expect(run.model.ffnHiddenSize == 14336 && run.model.vocabularySize == 128256 && !run.model.tiedEmbeddings)
        #expect(run.config.tensor == 1 && run.config.data == 8 && run.config.microbatchSize == 1)
        #expect(run.config.globalBatchSize == 128 && run.config.sequenceLength == 8192)
        #expect(run.config.recompute == .full && run.config.zeroStage == .optimizer && run.config.precision == .bf16)
        #expect(run.framework.name == "megatron" && run.fullySpecified)
    }

    /// Steps 20–60 after warm-up: tps 6528, 6511, 6534, 6502, 6519, median 6519; memory 63.42 GiB.
    @Test func torchtitanLogGivesDegreesBatchAndSpeed() throws {
        let model =
            "model: {num_hidden_layers: 32, hidden_size: 4096, num_attention_heads: 32, num_key_value_heads: 8, "
            + "intermediate_size: 14336, vocab_size: 128256, hidden_act: silu}"
        let run = try #require(
            try Self.runs(
                "runs:\n  - id: t\n    log: torchtitan-llama3-8b-fsdp.log\n"
                    + "    cluster: {gpu: h100-sxm5-80gb, nodes: 1}\n    "
                    + model + "\n    config: {recompute: selective}\n"
            ).first)
        #expect(run.measuredTokensPerSecondPerDevice == 6519 && run.measuredMemoryGiB == 63.42)
        #expect(run.config.data == 8 && run.config.tensor == 1 && run.config.zeroStage == .weights)
        #expect(run.config.globalBatchSize == 8 && run.config.sequenceLength == 8192)
        #expect(run.config.recompute == .selective && run.framework.name == "torchtitan")
    }

    @Test(arguments: [
        ("no step lines", "INFO starting\n", "holds no Megatron-LM"),
        (
            "iterations without arguments", " iteration 10/ 60 | elapsed time per iteration (ms): 100.0 |\n",
            "no arguments block"
        ),
        (
            "warm-up only", "step:  1  loss: 9  tps: 100\nstep: 10  loss: 8  tps: 6000\n",
            "logs 2 steps, all warm-up"
        ),
    ])
    func badLogsAreRefused(name: String, text: String, mentions: String) throws {
        let error = #expect(throws: InputError.self, "\(name)") { try TrainingLog(text: text, file: "x.log") }
        #expect(error?.description.contains(mentions) == true, "\(name): \(String(describing: error))")
        #expect(error?.description.hasPrefix("x.log") == true)
    }

    @Test func missingLogAndMissingModelAreNamed() throws {
        let missing = #expect(throws: InputError.self) {
            try Self.runs("runs:\n  - id: a\n    log: nope.log\n    cluster: {gpu: h100-sxm5-80gb, nodes: 1}\n")
        }
        #expect(
            missing?.description.contains("'runs[0].log': 'nope.log' does not exist") == true,
            "\(String(describing: missing))")
        let noModel = #expect(throws: InputError.self) {
            try Self.runs(
                "runs:\n  - id: t\n    log: torchtitan-llama3-8b-fsdp.log\n"
                    + "    cluster: {gpu: h100-sxm5-80gb, nodes: 1}\n"
            )
        }
        #expect(noModel?.description.contains("a torchtitan log does not print the model's shape") == true)
    }
}
