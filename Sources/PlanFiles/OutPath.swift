import Foundation

/// `--out` is checked before any work, so a long search does not end in "cannot write": its
/// folder must exist and it must not itself be a folder. (The write is atomic either way.)
package enum OutPath {
    package static func check(_ path: String?) throws {
        guard let path else { return }
        guard !path.isEmpty else {
            throw InputError(key: "--out", "is empty; give a file path, or leave --out out to print to standard output")
        }
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw InputError(
                key: "--out",
                "'\(path)' is a directory; give a file path, for example "
                    + "\((path as NSString).appendingPathComponent("plan.json"))"
            )
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard manager.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw InputError(
                key: "--out", "the directory '\(folder)' does not exist; create it first or write elsewhere")
        }
    }
}
