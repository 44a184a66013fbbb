import Foundation
import Testing

/// `Subprocess.run`, behind `Binary.run`, reads a child's standard output and standard error together:
/// a child that fills one pipe (64 KiB) before it writes to the other finishes, with both streams whole.
/// (Read one after the other, the child blocked on the full pipe and the test waited for ever: a
/// regression shows as this test never finishing. No time limit: under load a correct run can take long.)
struct SubprocessTests {
    @Test(arguments: [
        "head -c 1000000 /dev/zero | tr '\\0' e >&2; echo done",
        "head -c 1000000 /dev/zero | tr '\\0' e; echo done >&2",
    ])
    func aFullPipeDoesNotHang(script: String) throws {
        let result = try Subprocess.run(URL(fileURLWithPath: "/bin/sh"), ["-c", script])
        #expect(result.status == 0)
        let (big, small) = script.hasSuffix(">&2") ? (result.stdout, result.stderr) : (result.stderr, result.stdout)
        #expect(big.count == 1_000_000 && big.allSatisfy { $0 == UInt8(ascii: "e") })
        #expect(small == Data("done\n".utf8))
    }
}
