import CostModel
import PlanFiles

/// Parses a comma-separated list of number formats from a flag, each one of `allowed`.
enum PrecisionList {
    static let training: [Precision] = [.bf16, .fp16, .fp8, .fp32]

    static func parse(_ text: String, flag: String, allowed: [Precision] = training) throws -> [Precision] {
        let names = allowed.map(\.rawValue).joined(separator: ", ")
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard !parts.isEmpty else {
            throw InputError(key: flag, "is empty; use one or more of \(names) (comma-separated)")
        }
        return try parts.map { part in
            guard let value = Precision(rawValue: part), allowed.contains(value) else {
                throw InputError(key: flag, "'\(part)' is not one of \(names)")
            }
            return value
        }
    }
}
