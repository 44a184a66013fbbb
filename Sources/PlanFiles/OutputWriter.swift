import Foundation

/// Writes a result to standard output, or atomically to `--out` (a temporary file renamed over
/// the target), so an existing file is never left half-written; `OutPath.target(of:)` decides
/// where the write lands (regular files only, symbolic links followed).
package enum OutputWriter {
    package static func emit(_ data: Data, to path: String?) throws {
        guard let path else {
            FileHandle.standardOutput.write(data)
            return
        }
        let target = try OutPath.target(of: path)
        do {
            try data.write(to: URL(fileURLWithPath: target), options: .atomic)
        } catch {
            throw InputError(
                key: "--out", "cannot write '\(path)': \(error.localizedDescription); choose a writable path")
        }
    }

    package static func emit(_ text: String, to path: String?) throws {
        try emit(Data(text.utf8), to: path)
    }
}
