import Foundation
import Launchers
import Testing

/// Sliding-window attention reaches Megatron-LM: Mistral 7B v0.1 attends to its latest 4,096 tokens in
/// every layer, --window-size 4095,0 (Transformer Engine's (left, right) window, the query itself
/// included); Gemma 2 alternates local and global layers, adding --window-attn-skip-freq 2; Llama 3
/// attends to the whole sequence and gets neither.
struct MegatronSlidingWindowTests {
    static func flags(_ model: String) throws -> (window: Int?, lines: [String]) {
        let directory = try Plans.scratch()
        let (path, plan) = try Plans.write(.train(model: model, cluster: "dgx-h100-8"), in: directory)
        let script = try Plans.export(path, as: .megatron).text
        let lines = script.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.hasPrefix("#") && $0.contains("window") }
        return (Contract.value(plan, "model.slidingWindow") as? Int, lines)
    }

    @Test func mistralSlidesEveryLayer() throws {
        let (window, lines) = try Self.flags("mistral-7b-v0.1")
        #expect(window == 4096)
        #expect(lines == ["--window-size 4095,0"])
        let known = try LauncherOptionsTests.options("megatron.txt")
        #expect(known.contains("--window-size") && known.contains("--window-attn-skip-freq"))
    }

    @Test func gemma2AlternatesLocalAndGlobal() throws {
        #expect(try Self.flags("gemma2-9b").lines == ["--window-size 4095,0", "--window-attn-skip-freq 2"])
    }

    @Test func llama3AttendsToEverything() throws {
        let (window, lines) = try Self.flags("llama3-8b")
        #expect(window == nil && lines.isEmpty)
    }
}
