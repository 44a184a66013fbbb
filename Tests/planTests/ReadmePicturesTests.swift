import Foundation
import Testing

/// The pictures the README and docs show are what the binary draws today.
struct ReadmePicturesTests {
    @Test(arguments: [
        ("docs/pictures/default-plan.svg", ["train", "--format", "svg"]),
        (
            "docs/pictures/interleaved-405b.svg",
            [
                "train", "--model", "llama3.1-405b", "--cluster", "dgx-h100-1024", "--global-batch", "512", "--format",
                "svg",
            ]
        ),
        (
            "docs/pictures/fsdp-70b.svg",
            [
                "evaluate", "--model", "llama3.1-70b", "--tp", "1", "--pp", "1", "--dp", "64", "--mbs", "1",
                "--recompute", "full", "--zero", "3", "--format", "svg",
            ]
        ),
    ])
    func pictureIsCurrent(path: String, arguments: [String]) throws {
        let result = try Binary.run(arguments)
        #expect(result.status == 0)
        let shipped = try Data(contentsOf: Binary.root.appendingPathComponent(path))
        #expect(
            result.stdout == shipped, "\(path) is stale: regenerate it with plan \(arguments.joined(separator: " "))")
    }
}
