import CostModel
import Foundation

/// A plan file of either kind, told apart by `workload.mode` ("training" or "inference"). Writing and
/// reading go through the same `Codable` types, so the JSON has one schema (DESIGN.md, "The plan").
package enum PlanDocument: Codable, Sendable {
    case training(TrainingPlanDocument)
    case inference(InferencePlanDocument)

    /// The schema version this program writes and reads.
    package static let schemaVersion = 1

    private enum Keys: String, CodingKey { case schemaVersion, workload }
    private enum WorkloadKeys: String, CodingKey { case mode }

    package init(from decoder: any Decoder) throws {
        let root = try decoder.container(keyedBy: Keys.self)
        let version = try root.decode(Int.self, forKey: .schemaVersion)
        guard version == Self.schemaVersion else { throw PlanDecodingProblem.version(version) }
        let mode = try root.nestedContainer(keyedBy: WorkloadKeys.self, forKey: .workload).decode(
            String.self, forKey: .mode)
        switch mode {
        case "training": self = .training(try TrainingPlanDocument(from: decoder))
        case "inference": self = .inference(try InferencePlanDocument(from: decoder))
        default: throw PlanDecodingProblem.mode(mode)
        }
    }

    package func encode(to encoder: any Encoder) throws {
        switch self {
        case .training(let plan): try plan.encode(to: encoder)
        case .inference(let plan): try plan.encode(to: encoder)
        }
    }

    /// The plan as written: pretty, key-sorted JSON with a final newline (the same plan, the same bytes).
    package func json() throws -> Data { try prettyJSON() }
}

/// What `PlanDocument` refuses beyond JSON types: a version or a mode it does not read.
package enum PlanDecodingProblem: Error {
    case version(Int)
    case mode(String)
}

extension PlanDocument {
    /// Reads and checks a plan file (`-` is standard input); every problem is an `InputError` naming
    /// the file, the key path and how to get a good plan again.
    package static func load(path: String) throws -> (plan: PlanDocument, origin: String) {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard FileManager.default.fileExists(atPath: path) else {
                throw InputError(
                    file: path,
                    "no such file; write a plan with `plan train --out \(path)` (or `plan evaluate ... --out \(path)`)")
            }
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw InputError(file: path, "cannot be read (\(error.localizedDescription)); check its permissions")
            }
        }
        let origin = path == "-" ? "standard input" : path
        return (try decode(data, origin: origin), origin)
    }

    /// Decodes plan JSON and checks the identities launchers rely on.
    package static func decode(_ data: Data, origin: String) throws -> PlanDocument {
        let plan: PlanDocument
        do {
            plan = try JSONDecoder().decode(PlanDocument.self, from: data)
        } catch let problem as PlanDecodingProblem {
            switch problem {
            case .version(let version):
                throw InputError(
                    file: origin, key: "schemaVersion",
                    "is \(version); this plan reads schemaVersion \(schemaVersion), so re-run `plan train` with this "
                        + "version"
                )
            case .mode(let mode):
                throw InputError(
                    file: origin, key: "workload.mode",
                    "is '\(mode)'; expected 'training' (from `plan train` or `plan evaluate`) or 'inference' (from "
                        + "`plan infer`)"
                )
            }
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            // The bytes are not JSON at all (a table, a truncated file): JSONDecoder says so at the root.
            throw InputError(
                file: origin,
                "is not JSON; give the plan `plan train` writes with --format json (the default), not the table")
        } catch let error as DecodingError {
            throw InputError(decoding: error, file: origin)
        }
        try plan.check(origin: origin)
        return plan
    }

    /// Checks the identities launchers rely on (degrees multiply to the devices, the batch splits,
    /// the stages hold every layer); `origin` names the plan in messages.
    package func check(origin: String) throws {
        switch self {
        case .training(let training): try training.check(origin: origin)
        case .inference(let inference): try inference.check(origin: origin)
        }
    }
}

extension InputError {
    /// A JSON decoding failure as one line naming the key path (`stages[2].layerCount`).
    init(decoding error: DecodingError, file: String) {
        func path(_ keys: [any CodingKey]) -> String {
            keys.reduce("") { text, key in
                if let index = key.intValue { return text + "[\(index)]" }
                return text.isEmpty ? key.stringValue : text + "." + key.stringValue
            }
        }
        let remedy = "re-create the plan with `plan train --out FILE` (or `plan infer --out FILE`)"
        switch error {
        case .keyNotFound(let key, let context):
            self.init(file: file, key: path(context.codingPath + [key]), "is missing; \(remedy)")
        case .valueNotFound(_, let context):
            self.init(file: file, key: path(context.codingPath), "is null; \(remedy)")
        case .typeMismatch(_, let context) where context.codingPath.isEmpty:
            self.init(
                file: file,
                "is not a plan: expected a JSON object with schemaVersion, workload and parallelism; \(remedy)")
        case .typeMismatch(let type, let context):
            self.init(file: file, key: path(context.codingPath), "is not \(Self.describe(type)); \(remedy)")
        case .dataCorrupted(let context):
            self.init(
                file: file, key: path(context.codingPath), "has a value this plan format does not know; \(remedy)")
        @unknown default:
            self.init(file: file, "cannot be read as a plan; \(remedy)")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: "a whole number"
        case is Double.Type: "a number"
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        default: "what the plan format expects here"
        }
    }
}
