import Foundation

/// Runs a program to its end and collects what it wrote. Standard output and standard error are read
/// at the same time, each on a thread of its own: read one after the other, a child that fills the
/// pipe not being read (64 KiB) blocks on its write while the test waits for the other pipe's end,
/// and neither ever finishes.
enum Subprocess {
    struct Output {
        var status: Int32
        var stdout: Data
        var stderr: Data
    }

    static func run(
        _ executable: URL, _ arguments: [String], environment: [String: String]? = nil,
        directory: URL? = nil
    ) throws -> Output {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = PipeReader(out.fileHandleForReading), stderr = PipeReader(err.fileHandleForReading)
        let output = Output(status: 0, stdout: stdout.wait(), stderr: stderr.wait())
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: output.stdout, stderr: output.stderr)
    }

    /// Reads a pipe to its end on a thread of its own (not the shared pools Swift Testing's tasks and
    /// Dispatch run on, which blocked readers could exhaust).
    private final class PipeReader: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private var data = Data()

        init(_ handle: FileHandle) {
            let thread = Thread { [self] in
                data = handle.readDataToEndOfFile()
                done.signal()
            }
            thread.start()
        }

        /// Everything the pipe held, once its writer closed it. Called once.
        func wait() -> Data {
            done.wait()
            return data
        }
    }
}
