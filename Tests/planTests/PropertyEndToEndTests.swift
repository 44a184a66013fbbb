import Foundation
import PlanFiles
import Testing

/// A few of the property tests' seeded random models and clusters (Tests/Shared/RandomWorkload.swift)
/// through the binary: `plan train` answers with the plan the loaders and the search give in process
/// (the same bytes, apart from `solver.wallSeconds`), or with "no configuration fits" exactly when the
/// search finds nothing, and never another status. All 30 seeds run in process in
/// Tests/PlanFilesTests/PropertyTests.swift.
@Suite(.serialized)
struct PropertyEndToEndTests {
    /// A mixture-of-experts model on 4 nodes, a dense one on 1 node, and a --seq-len beyond the model's
    /// max_position_embeddings (a note on standard error, and a plan).
    static let seeds: [UInt64] = [0x5EED_0002, 0x5EED_0005, 0x5EED_0009]

    @Test(arguments: seeds)
    func binaryAnswersAsTheLibrary(seed: UInt64) throws {
        let workload = RandomWorkload(seed: seed)
        let files = try workload.write()
        let result = try Binary.run(["train", "--model", files.model, "--cluster", files.cluster] + workload.arguments)
        let expected = try workload.plan(model: files.model, cluster: files.cluster).document
        #expect(result.status == (expected == nil ? 1 : 0), "\(workload)\nstatus \(result.status): \(result.stderr)")
        guard let expected else {
            #expect(result.stdout.isEmpty, "\(workload)")
            #expect(result.stderr.contains("no configuration fits"), "\(workload)\n\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(workload)\n\(result.stderr)")
            return
        }
        let plan = try result.json()
        #expect(Contract.problems(plan).isEmpty, "\(workload)\n\(Contract.problems(plan))")
        let library = try expected.prettyJSON()
        #expect(Self.stripped(result.stdout) == Self.stripped(library), "\(workload)\nnot the library's plan")
    }

    static func stripped(_ data: Data) -> String {
        String(decoding: data, as: UTF8.self).split(separator: "\n").filter { !$0.contains("\"wallSeconds\"") }
            .joined(separator: "\n")
    }
}
