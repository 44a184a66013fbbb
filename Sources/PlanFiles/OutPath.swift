import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where `--out` may write. A write is a temporary file renamed over the target, so whatever sits at
/// the path is replaced: run as root, `--out /dev/full` became a regular file, and `--out` naming the
/// `--model` file overwrote the user's config. Only regular files (or nothing yet) are written;
/// a symbolic link is followed and its target written (the link stays a link). Checked before any
/// work, so a long search does not end in "cannot write", and again when writing.
package enum OutPath {
    /// Refuses `path` unless it names a regular file or nothing yet in an existing directory, and
    /// unless it is a different file from every one of `inputs` (the files the command reads).
    package static func check(_ path: String?, inputs: [String] = []) throws {
        guard let path else { return }
        let target = try target(of: path)
        guard let written = identity(target) else { return }
        for input in inputs where identity(input) == written {
            throw InputError(
                key: "--out",
                "'\(path)' is a file this command reads\(input == path ? "" : " ('\(input)')"); write the result "
                    + "elsewhere")
        }
    }

    /// The file a write to `path` lands in: `path` itself, or the file its symbolic links lead to.
    /// Throws for an empty path, a directory, a device, a FIFO or a socket, a missing folder, or
    /// links that loop.
    package static func target(of path: String) throws -> String {
        guard !path.isEmpty else {
            throw InputError(key: "--out", "is empty; give a file path, or leave --out out to print to standard output")
        }
        var current = path
        for _ in 0..<40 {
            var info = stat()
            if lstat(current, &info) != 0 { break }  // nothing there yet: a new file
            let kind = info.st_mode & S_IFMT
            if kind == S_IFLNK {
                guard let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: current) else {
                    break
                }
                current =
                    destination.hasPrefix("/")
                    ? destination
                    : (URL(fileURLWithPath: current).deletingLastPathComponent().path as NSString)
                        .appendingPathComponent(destination)
                continue
            }
            if kind == S_IFREG { return current }
            throw InputError(key: "--out", "'\(path)' \(describe(kind, path: path, resolved: current))")
        }
        if (try? FileManager.default.destinationOfSymbolicLink(atPath: current)) != nil {
            throw InputError(key: "--out", "'\(path)' is a loop of symbolic links; give a file path")
        }
        let folder = URL(fileURLWithPath: current).deletingLastPathComponent().path
        // `/dev/stdout` on a pipe leads to `/proc/self/fd/pipe:[…]`, which no write can create.
        if ["/dev", "/proc", "/sys"].contains(where: { folder == $0 || folder.hasPrefix($0 + "/") }) {
            throw InputError(
                key: "--out",
                "'\(path)' \(current == path ? "is" : "leads to '\(current)',") not a regular file; --out writes "
                    + "regular files only (leave --out out to print to standard output)")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw InputError(
                key: "--out", "the directory '\(folder)' does not exist; create it first or write elsewhere")
        }
        return current
    }

    private static func describe(_ kind: mode_t, path: String, resolved: String) -> String {
        let through = resolved == path ? "" : "leads to '\(resolved)', which "
        switch kind {
        case S_IFDIR:
            return "\(through)is a directory; give a file path, for example "
                + (resolved as NSString).appendingPathComponent("plan.json")
        case S_IFCHR, S_IFBLK:
            return "\(through)is a device, not a file; --out writes regular files only (leave --out out to "
                + "print to standard output)"
        case S_IFIFO:
            return "\(through)is a FIFO (named pipe); --out writes regular files only (leave --out out and "
                + "redirect standard output into the pipe)"
        default:
            return "\(through)is not a regular file (a socket?); --out writes regular files only"
        }
    }

    /// The device and inode of the file at `path` (links followed), or nil when there is none.
    private static func identity(_ path: String) -> [UInt64]? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return [UInt64(info.st_dev), UInt64(info.st_ino)]
    }
}
