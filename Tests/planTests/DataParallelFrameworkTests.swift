import Foundation
import Testing

/// Horovod and TensorFlow run data parallelism only, with the optimizer replicated: planned with
/// their framework files, the search keeps to that, and the export launches it.
struct DataParallelFrameworkTests {
    @Test(arguments: ["horovod", "tensorflow"])
    func searchKeepsToDataParallelism(framework: String) throws {
        let arguments = ["train", "--model", "gpt3-1.3b", "--cluster", "dgx-h100-64", "--framework", framework]
        let plan = try Binary.run(arguments).json()
        let p = try #require(plan["parallelism"] as? [String: Any])
        #expect(p["tensor"] as? Int == 1 && p["pipeline"] as? Int == 1 && p["data"] as? Int == 64)
        #expect(p["zeroStage"] as? Int == 0 && plan["framework"] as? String == framework)
        for alternative in plan["alternatives"] as? [[String: Any]] ?? [] {
            let a = try #require(alternative["parallelism"] as? [String: Any])
            #expect(a["tensor"] as? Int == 1 && a["pipeline"] as? Int == 1 && a["zeroStage"] as? Int == 0)
        }
        let export = try Binary.run(arguments + ["--emit", framework])
        #expect(export.status == 0, "\(export.stderr)")
        // An 8B model's replicated state (16 bytes per parameter) does not fit one H100: no plan, and the
        // message offers a larger device, not more nodes (they would not help).
        let big = try Binary.run(["train", "--model", "llama3-8b", "--cluster", "dgx-h100-8", "--framework", framework])
        #expect(big.status == 1 && big.stderr.contains("it fits on 8 h200-sxm-141gb"), "\(big.stderr)")
        #expect(!big.stderr.contains("h100-sxm5-80gb ("), "\(big.stderr)")
    }
}
