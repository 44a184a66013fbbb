import Foundation

/// Writes a result to standard output, or atomically to `--out` (a temporary file renamed over
/// the target), so an existing file is never left half-written.
package enum OutputWriter {
    package static func emit(_ data: Data, to path: String?) throws {
        guard let path else {
            FileHandle.standardOutput.write(data)
            return
        }
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw InputError(
                key: "--out", "cannot write '\(path)': \(error.localizedDescription); choose a writable path")
        }
    }

    package static func emit(_ text: String, to path: String?) throws {
        try emit(Data(text.utf8), to: path)
    }
}
