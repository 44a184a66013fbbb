import Foundation

/// Runs the built `plan` binary as a user would, from the checkout's root.
enum Binary {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var url: URL {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("plan"),
            Bundle.main.bundleURL.appendingPathComponent("plan"),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("plan"),
            root.appendingPathComponent(".build/debug/plan"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates.last!
    }

    struct Result {
        var status: Int32
        var stdout: Data
        var stderr: String
        var text: String { String(decoding: stdout, as: UTF8.self) }
        func json() throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: stdout) as? [String: Any] ?? [:]
        }
    }

    static func run(_ arguments: [String]) throws -> Result {
        // A crash ends the child at once with its signal: the runtime's backtracer, when it runs, keeps
        // the output pipes open (and under AddressSanitizer it can stall), so reads would wait on it.
        let environment = ProcessInfo.processInfo.environment.merging(["SWIFT_BACKTRACE": "enable=no"]) { $1 }
        let output = try Subprocess.run(url, arguments, environment: environment, directory: root)
        let stderr = String(decoding: output.stderr, as: UTF8.self)
        return Result(status: output.status, stdout: output.stdout, stderr: stderr)
    }

    /// A scratch directory for files a test writes.
    static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("plan-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
