import Foundation

/// What a training job's own log says: Megatron-LM's arguments block and iteration lines, or
/// torchtitan's mesh, batch and step lines. `plan calibrate` and `plan validate` read a run's
/// configuration and measured speed from it (`RunsFile`, `log:`), so a team can calibrate on the
/// logs it already has.
///
/// Megatron-LM (megatron/training/arguments.py `_print_args`, training.py `training_log`):
///
///     ------------------------ arguments ------------------------
///       hidden_size ..................................... 4096
///     -------------------- end of arguments ---------------------
///      [2025-05-01 10:00:00] iteration       20/     100 | consumed samples: 2560 | elapsed time per
///      iteration (ms): 7450.2 | throughput per GPU (TFLOP/s/GPU): 401.3 | … | global batch size:   128 |
///
/// (newer versions print "elapsed time per iteration (ms): 7450.2/7448.9", the last and the mean).
/// torchtitan (train.py, components/metrics.py):
///
///     Building 2-D device mesh with ['dp_shard', 'tp'], [16, 8]
///     Trainer is initialized with local batch size 2, global batch size 32, gradient accumulation steps 1,
///     sequence length 8192, total steps 1000 (warmup 200)
///     step: 10  loss:  7.8765  memory: 63.42GiB(66.76%)  tps: 5,605  tflops: 324.20  mfu: 32.78%
///
/// where tps is tokens per second per GPU. The first logged iterations (compilation, warm-up) are
/// left out: the measurement is the median over the logged steps after the first `warmupLines`.
package struct TrainingLog: Sendable {
    package enum Kind: String, Sendable { case megatron, torchtitan }

    package var kind: Kind
    /// Megatron-LM's printed arguments, name to value as printed.
    package var arguments: [String: String]
    /// torchtitan's mesh: dimension name to size.
    package var mesh: [String: Int]
    /// torchtitan's local batch size and sequence length, when printed.
    package var localBatchSize: Int?
    package var sequenceLength: Int?
    /// Per logged step after warm-up: Megatron's seconds per iteration, or torchtitan's tokens/s per GPU.
    package var samples: [Double]
    /// Logged steps seen, warm-up included.
    package var loggedSteps: Int
    /// The largest memory torchtitan logged, GiB (reserved).
    package var peakMemoryGiB: Double?

    /// Logged steps left out before the measurement starts.
    package static let warmupLines = 2

    /// Parses `text` read from `file`.
    package init(text: String, file: String) throws {
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map {
            Self.withoutColors(String($0))
        }
        var arguments: [String: String] = [:]
        var inArguments = false
        var mesh: [String: Int] = [:]
        var local: Int?, sequence: Int?
        var megatronSteps: [Double] = [], titanSteps: [Double] = [], memory: [Double] = []
        for line in lines {
            if line.contains("------------------------ arguments ------------------------") {
                inArguments = true
                continue
            }
            if line.contains("-------------------- end of arguments") {
                inArguments = false
                continue
            }
            if inArguments, let (name, value) = Self.argument(line) {
                arguments[name] = value
                continue
            }
            if let ms = Self.number(after: "elapsed time per iteration (ms):", in: line) {
                megatronSteps.append(ms / 1000)
            } else if let tps = Self.number(after: "tps:", in: line), line.contains("step:"),
                !line.contains("validate step")
            {
                titanSteps.append(tps)
                if let gib = Self.number(after: "memory:", in: line) { memory.append(gib) }
            } else if let range = line.range(of: "device mesh with ") {
                mesh = Self.mesh(String(line[range.upperBound...]))
            }
            if let value = Self.number(after: "local batch size", in: line) { local = Int(value) }
            if let value = Self.number(after: "sequence length", in: line) { sequence = Int(value) }
        }
        if !megatronSteps.isEmpty {
            guard !arguments.isEmpty else {
                throw InputError(
                    file: file, key: "arguments",
                    "has Megatron-LM iteration lines but no arguments block (\"---- arguments ----\"); pass the log "
                        + "from the job's start, which prints every argument")
            }
            kind = .megatron
            samples = Array(megatronSteps.dropFirst(Self.warmupLines))
            loggedSteps = megatronSteps.count
        } else if !titanSteps.isEmpty {
            kind = .torchtitan
            samples = Array(titanSteps.dropFirst(Self.warmupLines))
            loggedSteps = titanSteps.count
        } else {
            throw InputError(
                file: file, key: "log",
                "holds no Megatron-LM \"elapsed time per iteration (ms)\" line and no torchtitan \"step: … tps:\" "
                    + "line; pass the training job's log (stdout of rank 0)")
        }
        guard !samples.isEmpty else {
            throw InputError(
                file: file, key: "log",
                "logs \(loggedSteps) step\(loggedSteps == 1 ? "" : "s"), all warm-up (the first \(Self.warmupLines) "
                    + "are left out); run longer or log more often (--log-interval, metrics.log_freq)")
        }
        self.arguments = arguments
        self.mesh = mesh
        localBatchSize = local
        sequenceLength = sequence
        peakMemoryGiB = memory.max()
    }

    /// The median of the measured samples.
    package var median: Double {
        let sorted = samples.sorted()
        let n = sorted.count
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }

    /// "  name ........ value" (Megatron-LM's argument lines), a log prefix before it allowed.
    static func argument(_ line: String) -> (String, String)? {
        guard let dots = line.range(of: " ...") else { return nil }
        let name = line[..<dots.lowerBound].split(separator: " ").last.map(String.init) ?? ""
        var rest = line[dots.upperBound...]
        while rest.first == "." { rest = rest.dropFirst() }
        guard !name.isEmpty, rest.first == " " else { return nil }
        return (name, rest.trimmingCharacters(in: .whitespaces))
    }

    /// The number written after `marker` ("7450.2", "5,605", "63.42GiB"), or nil.
    static func number(after marker: String, in line: String) -> Double? {
        guard let range = line.range(of: marker) else { return nil }
        let rest = line[range.upperBound...].drop { $0 == " " }
        let digits = rest.prefix { $0.isNumber || $0 == "." || $0 == "," }.filter { $0 != "," }
        return Double(String(digits))
    }

    /// "['dp_shard', 'tp'], [16, 8]" as names to sizes.
    static func mesh(_ text: String) -> [String: Int] {
        let parts = text.split(separator: "]").map { $0.filter { !"[]' ".contains($0) } }
        guard parts.count >= 2 else { return [:] }
        let names = parts[0].split(separator: ",").map(String.init)
        let sizes = parts[1].split(separator: ",").compactMap { Int($0) }
        guard names.count == sizes.count else { return [:] }
        return Dictionary(zip(names, sizes), uniquingKeysWith: { $1 })
    }

    /// `line` without ANSI color escapes (torchtitan colors its step lines).
    static func withoutColors(_ line: String) -> String {
        guard line.contains("\u{1B}[") else { return line }
        var result = ""
        var escaping = false
        for character in line {
            if character == "\u{1B}" {
                escaping = true
            } else if escaping {
                if character.isLetter { escaping = false }
            } else {
                result.append(character)
            }
        }
        return result
    }
}
