import CostModel
import Foundation
import Planner

/// Reads a measured grid of training configurations, a CSV like validation/playbook-grid-1b-3b.csv
/// (validation/PLAYBOOK-GRID.md): a header line naming the columns, then one configuration per line.
///
/// Columns are found by name, so their order does not matter and extra columns (`mfu_pct`,
/// `tok_s_total`) are ignored. Required: `model`, `nodes`, `mbs`, `gbs`, `dp`, `pp`, `tp`, `zero_stage`,
/// `tok_s_gpu`, `gpu_mem_gb`; optional: `grad_acc` (checked against mbs × grad_acc × dp = gbs when given)
/// and `seq_len` (default 4096, the playbook's). Every cell is checked; a bad one is an `InputError`
/// naming the file, the line (the header is line 1), the column and what would be valid.
///
/// Every row becomes the configuration nanotron ran: tp, pp, dp as given, cp = ep = vpp = 1 (plain 1F1B,
/// which PLAYBOOK-GRID.md says to assume), sequence parallelism whenever tp > 1 (nanotron's
/// REDUCE_SCATTER mode), no recompute (nanotron's default), the row's ZeRO stage, BF16.
///
/// Memory unit: `gpu_mem_gb` is read as GiB, 2^30 bytes. The playbook's numbers come from nanotron's
/// benchmark CSV (huggingface/nanotron src/nanotron/helpers.py @0e0a27ea, create_table_log), whose
/// "Mem Alloc (GB)" and "Mem Res (GB)" columns are torch.cuda.max_memory_allocated() and
/// max_memory_reserved() divided by 1024**3: GiB under a "GB" label (PLAYBOOK-GRID.md repeats the label).
///
/// Quoted cells are unquoted but may not contain commas; none of the playbook's do.
package enum GridFile {
    /// Bytes in one "GB" as `gpu_mem_gb` counts them: 2^30 (see the memory unit above).
    package static let bytesPerGB = 1_073_741_824.0
    /// Sequence length when the file has no `seq_len` column: the playbook's.
    package static let defaultSequenceLength = 4096
    package static let requiredColumns = [
        "model", "nodes", "mbs", "gbs", "dp", "pp", "tp", "zero_stage",
        "tok_s_gpu", "gpu_mem_gb",
    ]
    /// Files larger than this are refused unread: the playbook's grid is 50 KB.
    static let maximumBytes = 16 << 20

    /// Reads the grid at `url` (`name` is how errors show it); `models` maps the `model` column's labels
    /// to the models they stand for; nodes have `gpusPerNode` GPUs each.
    package static func load(
        contentsOf url: URL, shownAs name: String, models: [String: ModelDescription],
        gpusPerNode: Int = 8
    ) throws -> [GridRun] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw InputError(file: name, key: "--grid", "does not exist; check the path")
        }
        if isDirectory.boolValue {
            throw InputError(
                file: name, key: "--grid",
                "is a directory; pass a CSV file such as validation/playbook-grid-1b-3b.csv")
        }
        let data: Data
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            data = try handle.read(upToCount: maximumBytes + 1) ?? Data()
        } catch {
            throw InputError(file: name, key: "--grid", "cannot be read: \(error.localizedDescription)")
        }
        if data.count > maximumBytes {
            throw InputError(
                file: name, key: "--grid",
                "is larger than \(maximumBytes >> 20) MiB; a grid of "
                    + "configurations is a few hundred KB, so this is likely the wrong file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw InputError(file: name, key: "--grid", "is not UTF-8 text; pass a CSV file")
        }
        return try decode(text: text, file: name, models: models, gpusPerNode: gpusPerNode)
    }

    /// Parses grid CSV `text` from `file` (see `load`).
    package static func decode(
        text: String, file: String, models: [String: ModelDescription],
        gpusPerNode: Int = 8
    ) throws -> [GridRun] {
        let content = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        // "\r\n" is one Character in Swift, so split on any newline Character, not on "\n".
        let lines = content.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        guard let headerLine = lines.first, !headerLine.trimmingCharacters(in: .whitespaces).isEmpty else {
            let names = requiredColumns.joined(separator: ",")
            throw InputError(file: file, line: 1, "has no header; the first line names the columns (\(names))")
        }
        let header = cells(headerLine).map { $0.lowercased() }
        var columns: [String: Int] = [:]
        for (index, name) in header.enumerated() {
            if columns[name] != nil {
                throw InputError(file: file, key: name, line: 1, "names this column twice; keep one")
            }
            columns[name] = index
        }
        let missing = requiredColumns.filter { columns[$0] == nil }
        if !missing.isEmpty {
            let absent = missing.map { "'\($0)'" }.joined(separator: ", ")
            throw InputError(
                file: file, key: missing[0], line: 1,
                "the header has no \(absent) column; add it "
                    + "(required: \(requiredColumns.joined(separator: ", ")))")
        }
        var runs: [GridRun] = []
        for (index, line) in lines.enumerated().dropFirst() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let row = Row(file: file, line: index + 1, cells: cells(line), columns: columns, width: header.count)
            runs.append(try row.run(models: models, gpusPerNode: gpusPerNode))
        }
        if runs.isEmpty {
            throw InputError(file: file, line: 2, "has a header but no rows; add one configuration per line")
        }
        return runs
    }

    /// A line's cells, trimmed, with one pair of enclosing double quotes removed.
    static func cells(_ line: String) -> [String] {
        line.split(separator: ",", omittingEmptySubsequences: false).map { raw in
            let cell = raw.trimmingCharacters(in: .whitespaces)
            let quoted = cell.count >= 2 && cell.hasPrefix("\"") && cell.hasSuffix("\"")
            return quoted ? String(cell.dropFirst().dropLast()) : cell
        }
    }

    /// One data line, with accessors whose errors name its line and the column.
    struct Row {
        let file: String
        let line: Int
        let cells: [String]
        let columns: [String: Int]
        let width: Int

        func error(_ column: String?, _ message: String) -> InputError {
            InputError(file: file, key: column, line: line, message)
        }

        func cell(_ column: String) -> String? { columns[column].map { $0 < cells.count ? cells[$0] : "" } }

        func integer(_ column: String, _ range: ClosedRange<Int>, _ fix: String) throws -> Int? {
            guard let text = cell(column) else { return nil }
            guard let value = Int(text) else {
                throw error(column, "\(text.isEmpty ? "is empty" : "'\(text)' is not a whole number"); \(fix)")
            }
            guard range.contains(value) else {
                throw error(column, "\(value) is not between \(range.lowerBound) and \(range.upperBound); \(fix)")
            }
            return value
        }

        func required(_ column: String, _ range: ClosedRange<Int>, _ fix: String) throws -> Int {
            try integer(column, range, fix) ?? 0
        }

        func positive(_ column: String, _ fix: String) throws -> Double {
            let text = cell(column) ?? ""
            guard let value = Double(text), value.isFinite else {
                throw error(column, "\(text.isEmpty ? "is empty" : "'\(text)' is not a number"); \(fix)")
            }
            guard value > 0 else { throw error(column, "must be positive, found \(text); \(fix)") }
            return value
        }

        func run(models: [String: ModelDescription], gpusPerNode: Int) throws -> GridRun {
            if cells.count != width {
                throw error(
                    nil,
                    "has \(cells.count) cells but the header has \(width) columns; "
                        + "give one value per column")
            }
            let name = cell("model") ?? ""
            guard let model = models[name] else {
                let known = models.keys.sorted().joined(separator: ", ")
                let found = name.isEmpty ? "is empty" : "'\(name)' is not a model of this grid"
                throw error("model", "\(found); use one of \(known)")
            }
            let degrees = 1...1_000_000
            let nodes = try required("nodes", degrees, "give the number of nodes, a positive whole number")
            let mbs = try required("mbs", 1...10_000_000, "give the microbatch size in sequences")
            let gbs = try required("gbs", 1...10_000_000, "give the global batch in sequences")
            let dp = try required("dp", degrees, "give the data-parallel degree, a positive whole number")
            let pp = try required("pp", degrees, "give the pipeline-parallel degree, a positive whole number")
            let tp = try required("tp", degrees, "give the tensor-parallel degree, a positive whole number")
            let zero = try required("zero_stage", 0...3, "give the ZeRO stage: 0, 1, 2 or 3")
            let seq =
                try integer("seq_len", 1...10_000_000, "give the sequence length in tokens")
                ?? defaultSequenceLength
            let throughput = try positive("tok_s_gpu", "give the measured tokens per second per GPU")
            let memory = try positive("gpu_mem_gb", "give the measured peak memory per GPU in GB")
            if let accumulation = try integer("grad_acc", 1...10_000_000, "give the gradient-accumulation steps"),
                mbs * accumulation * dp != gbs
            {
                throw error(
                    "gbs",
                    "mbs × grad_acc × dp = \(mbs)·\(accumulation)·\(dp) = \(mbs * accumulation * dp), "
                        + "not \(gbs); correct the row so the product is the global batch")
            }
            if gbs % (dp * mbs) != 0 {
                throw error(
                    "gbs",
                    "\(gbs) does not split into dp·mbs = \(dp)·\(mbs) microbatches; "
                        + "give a global batch that is a multiple of \(dp * mbs)")
            }
            if tp * pp * dp != nodes * gpusPerNode {
                throw error(
                    "dp",
                    "tp·pp·dp = \(tp)·\(pp)·\(dp) = \(tp * pp * dp), but \(nodes) nodes have "
                        + "\(nodes * gpusPerNode) GPUs; correct the degrees or the node count")
            }
            let config = ParallelConfiguration(
                tensor: tp, pipeline: pp, data: dp, context: 1, expert: 1, virtualStages: 1, microbatchSize: mbs,
                globalBatchSize: gbs, sequenceLength: seq, sequenceParallel: tp > 1, recompute: .none,
                zeroStage: ZeROStage(rawValue: zero) ?? .replicated,
                precision: .bf16)
            return GridRun(
                line: line, modelName: name, model: model, nodes: nodes, config: config,
                measuredTokensPerSecondPerDevice: throughput, measuredMemoryBytes: memory * bytesPerGB)
        }
    }
}
