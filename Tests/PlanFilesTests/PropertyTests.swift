import Foundation
import PlanFiles
import Planner
import Testing

/// Seeded random valid inputs (Tests/Shared/RandomWorkload.swift) planned in process, as `plan train`
/// plans them: the files decoded by the loaders, the search run, the plan document built. Whatever small
/// model and cluster a user writes, the answer is a contract-valid plan that fits the device, or "no
/// configuration fits" (configurations were tried and none fit), and the same files give the same bytes.
/// A few seeds also go through the binary: Tests/planTests/PropertyEndToEndTests.swift.
struct PropertyTests {
    @Test(arguments: RandomWorkload.seeds)
    func trainAnswersWithAFittingPlanOrNoFit(seed: UInt64) throws {
        let workload = RandomWorkload(seed: seed)
        let files = try workload.write()
        let first = try workload.plan(model: files.model, cluster: files.cluster)
        #expect(first.space.cluster.profile.supports(.bf16), "\(workload)\nno bf16 peak: `plan train` would refuse it")
        guard let document = first.document else {
            // `plan train` says "no configuration fits" when candidates were evaluated, and "no
            // configuration divides the devices" (not a property of valid input) when there were none.
            #expect(first.result.candidates > 0, "\(workload)\nno configuration divides the devices")
            return
        }
        let bytes = try document.prettyJSON()
        let plan = try JSONSerialization.jsonObject(with: bytes) as? [String: Any] ?? [:]
        #expect(Contract.problems(plan).isEmpty, "\(workload)\n\(Contract.problems(plan))")
        let total = Contract.value(plan, "prediction.memoryPerDeviceGiB.total") as? Double ?? .infinity
        let capacity = RandomWorkload.capacityGiB[workload.gpu] ?? 0
        #expect(total <= capacity, "\(workload)\n\(total) GiB on a \(capacity) GiB device")
        #expect(Contract.value(plan, "cluster.devices") as? Int == workload.devices, "\(workload)")
        let second = try workload.plan(model: files.model, cluster: files.cluster)
        #expect(try second.document?.prettyJSON() == bytes, "\(workload)\nnot the same bytes twice")
    }
}
