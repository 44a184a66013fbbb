import CostModel
import Foundation

/// Finds the bundled models/, clusters/ and hardware-profiles/ folders and resolves names in them.
/// Looked for, in order: $PLAN_DATA_DIR, the current directory and its parents, the executable's
/// directory and its parents (so `.build/release/plan` finds the checkout it was built in).
public struct DataDirectory: Sendable {
    let root: URL?

    public init() {
        let manager = FileManager.default
        var starts: [URL] = []
        if let explicit = ProcessInfo.processInfo.environment["PLAN_DATA_DIR"], !explicit.isEmpty {
            starts.append(URL(fileURLWithPath: explicit))
        }
        starts.append(URL(fileURLWithPath: manager.currentDirectoryPath))
        starts.append(
            URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent())
        var found: URL?
        search: for start in starts {
            var directory = start.standardizedFileURL
            for _ in 0..<8 {
                if manager.fileExists(atPath: directory.appendingPathComponent("hardware-profiles").path) {
                    found = directory
                    break search
                }
                let parent = directory.deletingLastPathComponent()
                if parent.path == directory.path { break }
                directory = parent
            }
        }
        root = found
    }

    func names(in folder: String) -> [String] {
        guard let root else { return [] }
        let files =
            (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(folder).path)) ?? []
        return files.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".json") }
            .map { ($0 as NSString).deletingPathExtension }.sorted()
    }

    func profileNames() -> [String] { names(in: "hardware-profiles") }

    /// Every bundled hardware profile that loads, in name order: the devices a suggested fix may
    /// name ("on h200-sxm-141gb it fits").
    package func bundledProfiles() -> [HardwareProfile] {
        guard let root else { return [] }
        return profileNames().compactMap { name in
            let url = root.appendingPathComponent("hardware-profiles").appendingPathComponent("\(name).yaml")
            return try? ProfileFile.decode(
                YAMLMapping(contentsOf: url, shownAs: "hardware-profiles/\(name).yaml"), defaultName: name)
        }
    }

    /// A path as given, or a bundled name in `folder`.
    func resolve(_ argument: String, in folder: String, flag: String) throws -> (url: URL, shown: String) {
        let manager = FileManager.default
        if manager.fileExists(atPath: argument) { return (URL(fileURLWithPath: argument), argument) }
        if let root {
            for ext in ["yaml", "json", "yml"] {
                let url = root.appendingPathComponent(folder).appendingPathComponent("\(argument).\(ext)")
                if manager.fileExists(atPath: url.path) { return (url, "\(folder)/\(argument).\(ext)") }
            }
        }
        let known = names(in: folder)
        let hint =
            known.isEmpty
            ? "no bundled \(folder)/ folder was found (set PLAN_DATA_DIR to the checkout)"
            : "bundled: \(known.joined(separator: ", "))"
        throw InputError(key: flag, "'\(argument)' is neither a file nor a bundled name; \(hint)")
    }

    /// The file `argument` names in `folder` ("models", "clusters", "frameworks") as the loaders
    /// resolve it, or nil (standard input, or nothing found): the inputs `--out` must not replace.
    package func inputPath(_ argument: String, in folder: String) -> String? {
        argument == "-" ? nil : (try? resolve(argument, in: folder, flag: ""))?.url.path
    }

    /// The files these model, cluster and framework arguments name (`inputPath`), those that resolve.
    package func inputPaths(models: [String] = [], clusters: [String] = [], frameworks: [String] = []) -> [String] {
        models.compactMap { inputPath($0, in: "models") } + clusters.compactMap { inputPath($0, in: "clusters") }
            + frameworks.compactMap { inputPath($0, in: "frameworks") }
    }

    /// The model file at a path, or the bundled one of that name in models/ (`llama3-70b`), or
    /// standard input for `-`. Near-miss keys (see `YAMLMapping.nearMisses()`) are warned about on
    /// standard error.
    public func model(_ argument: String) throws -> ModelDescription {
        try load(argument, in: "models", flag: "--model") { yaml, name in
            let model = try ModelFile.decode(yaml, defaultName: name)
            Self.warn(yaml.nearMisses())
            return model
        }
    }

    /// A model from a model file's bytes, with the near-miss keys it holds (what `model(_:)` warns
    /// about), for tests.
    package func modelReportingNearMisses(
        data: Data, shownAs shown: String, defaultName: String
    ) throws -> (
        model: ModelDescription, nearMisses: [NearMiss]
    ) {
        let yaml = try YAMLMapping(data: data, shownAs: shown, flag: "--model")
        return (try ModelFile.decode(yaml, defaultName: defaultName), yaml.nearMisses())
    }

    /// Near-miss keys go to standard error, one line each: the model still loads (a Hugging Face
    /// config.json's unread keys are harmless), but a typo of a key `plan` reads is named.
    static func warn(_ misses: [NearMiss]) {
        for miss in misses { FileHandle.standardError.write(Data((miss.description + "\n").utf8)) }
    }

    /// A model from a model file's bytes, already read: what `model(_:)` does after reading the
    /// file, so the fuzz target (Fuzz/PlanFuzz) and tests decode bytes exactly as `--model` does.
    /// `shown` names the file in errors; `defaultName` is the model's name when it has no `name:`.
    package func model(data: Data, shownAs shown: String, defaultName: String) throws -> ModelDescription {
        try ModelFile.decode(YAMLMapping(data: data, shownAs: shown, flag: "--model"), defaultName: defaultName)
    }

    /// The cluster file at a path, or the bundled one of that name in clusters/ (`dgx-h100-64`).
    public func cluster(_ argument: String) throws -> ClusterDescription { try cluster(argument, flag: "--cluster") }

    /// The same, for a cluster given by another flag (named in its errors).
    public func cluster(_ argument: String, flag: String) throws -> ClusterDescription {
        try load(argument, in: "clusters", flag: flag) { yaml, name in
            try ClusterFile.decode(yaml, defaultName: name, profiles: self)
        }
    }

    /// A cluster from a cluster file's bytes, already read, its `gpu:` names resolved in this
    /// directory's hardware-profiles/: the counterpart of `model(data:shownAs:defaultName:)`.
    package func cluster(data: Data, shownAs shown: String, defaultName: String) throws -> ClusterDescription {
        try ClusterFile.decode(
            YAMLMapping(data: data, shownAs: shown, flag: "--cluster"), defaultName: defaultName, profiles: self)
    }

    /// The framework file at a path, or the bundled one of that name in frameworks/ (`megatron`).
    public func framework(_ argument: String) throws -> Framework {
        try load(argument, in: "frameworks", flag: "--framework") { yaml, name in
            try FrameworkFile.decode(yaml, defaultName: name)
        }
    }

    /// Resolves `argument` in `folder`, reads and parses it, and decodes it with the file's base name
    /// as the default name: the one path every `--model`, `--cluster` and `--framework` takes.
    private func load<Value>(
        _ argument: String, in folder: String, flag: String, decode: (YAMLMapping, String) throws -> Value
    ) throws -> Value {
        if argument == "-" {
            let data: Data
            do {
                data = try FileHandle.standardInput.read(upToCount: YAMLMapping.maximumBytes + 1) ?? Data()
            } catch {
                throw InputError(file: "standard input", key: flag, "cannot be read: \(error.localizedDescription)")
            }
            return try decode(YAMLMapping(data: data, shownAs: "standard input", flag: flag), "stdin")
        }
        let (url, shown) = try resolve(argument, in: folder, flag: flag)
        return try decode(
            YAMLMapping(contentsOf: url, shownAs: shown, flag: flag), url.deletingPathExtension().lastPathComponent)
    }

    func profile(named name: String, from yaml: YAMLMapping) throws -> HardwareProfile {
        // A profile file's path (`plan calibrate --out team-h100.yaml` writes one): as given, or
        // beside the cluster file.
        if name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let beside = URL(fileURLWithPath: yaml.file).deletingLastPathComponent().appendingPathComponent(name)
            guard
                let url = [URL(fileURLWithPath: name), beside].first(where: {
                    FileManager.default.fileExists(atPath: $0.path)
                })
            else {
                throw yaml.error(
                    at: "gpu",
                    message: "'\(YAMLMapping.clipped(name))' is not a file (looked for it as given and beside "
                        + "\(yaml.file)); give a profile file's path or a name in hardware-profiles/")
            }
            return try checkedSibling(
                ProfileFile.decode(
                    try YAMLMapping(contentsOf: url, shownAs: name, flag: yaml.keyPath("gpu")),
                    defaultName: url.deletingPathExtension().lastPathComponent), file: name)
        }
        guard let root else {
            throw yaml.error(
                "gpu", nil, "'\(name)' cannot be looked up: no hardware-profiles/ folder found (set PLAN_DATA_DIR)")
        }
        let url = root.appendingPathComponent("hardware-profiles").appendingPathComponent("\(name).yaml")
        guard !name.contains("/"), FileManager.default.fileExists(atPath: url.path) else {
            let known = profileNames()
            let near =
                known.first { $0 == name.lowercased() }
                ?? known.min { YAMLMapping.editDistance(name, $0) < YAMLMapping.editDistance(name, $1) }
                .flatMap { YAMLMapping.editDistance(name, $0) <= 2 ? $0 : nil }
            throw yaml.error(
                at: "gpu",
                message: "'\(YAMLMapping.clipped(name))' is not a known hardware profile"
                    + (near.map { "; did you mean '\($0)'?" } ?? "") + " (known: \(known.joined(separator: ", ")))")
        }
        return try checkedSibling(
            ProfileFile.decode(
                try YAMLMapping(contentsOf: url, shownAs: "hardware-profiles/\(name).yaml", flag: yaml.keyPath("gpu")),
                defaultName: name), file: "hardware-profiles/\(name).yaml")
    }

    /// A profile's `calibrated_like` must name bundled profiles (cross-validation borrows their fits).
    func checkedSibling(_ profile: HardwareProfile, file: String) throws -> HardwareProfile {
        guard root != nil, let unknown = profile.calibratedLike.first(where: { !profileNames().contains($0) })
        else { return profile }
        throw InputError(
            file: file, key: "calibrated_like",
            "'\(YAMLMapping.clipped(unknown))' is not a profile in hardware-profiles/; name one of "
                + profileNames().joined(separator: ", ") + " or leave the key out")
    }

    package func url(_ relative: String) -> URL? { root?.appendingPathComponent(relative) }
}
