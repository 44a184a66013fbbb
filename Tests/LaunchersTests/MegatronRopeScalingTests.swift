import Foundation
import Launchers
import Testing

/// Llama 3.1's rope_scaling (rope_type llama3, factor 8) reaches Megatron as --use-rope-scaling and
/// --rope-scaling-factor; Llama 3 (no rope_scaling) gets neither.
struct MegatronRopeScalingTests {
    static func flags(_ model: String) throws -> [String] {
        let directory = try Plans.scratch()
        let (path, plan) = try Plans.write(.train(model: model, cluster: "dgx-h100-8"), in: directory)
        #expect(Contract.value(plan, "model.ropeScaling") as? String == (model == "llama3.1-8b" ? "llama3" : nil))
        let script = try Plans.export(path, as: .megatron).text
        return script.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.hasPrefix("#") && $0.contains("rope") }
    }

    @Test func llama31GetsRopeScaling() throws {
        let lines = try Self.flags("llama3.1-8b")
        #expect(lines.contains("--use-rope-scaling"))
        #expect(lines.contains("--rope-scaling-factor 8"))
        let known = try LauncherOptionsTests.options("megatron.txt")
        #expect(known.contains("--use-rope-scaling") && known.contains("--rope-scaling-factor"))
    }

    @Test func llama3DoesNot() throws {
        #expect(try Self.flags("llama3-8b").filter { $0.contains("scaling") }.isEmpty)
    }
}
