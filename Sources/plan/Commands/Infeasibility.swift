import CostModel
import Foundation
import PlanFiles
import Planner

/// The answer when the search gives no plan: the least memory any configuration needs, what the
/// device has, and what would make it fit; or, when split MILPs stopped at a limit or failed, that
/// this proves nothing about memory, and what to change.
enum Infeasibility {
    static func message(result: SearchResult, space: SearchSpace) -> String {
        let gib = 1_073_741_824.0
        guard result.candidates > 0 else {
            return
                "no configuration divides \(space.cluster.devices) devices for global batch \(space.globalBatchSize) "
                + "(tensor parallelism must divide the \(space.model.attentionHeads) heads and fit the NVLink "
                + "domain, data parallelism must divide the batch); try a global batch that is a multiple of "
                + "\(space.cluster.devices)"
        }
        let unsolved = result.timedOut + result.solverFailures
        guard unsolved == 0 else {
            return "no plan found, but that does not mean nothing fits: the split MILPs of \(unsolved) of "
                + "\(result.candidates) configurations gave no answer; "
                + result.unsolvedReasons.joined(separator: "; ")
        }
        let least = result.smallestMemoryBytes / gib
        let usable = result.capacityBytes / gib
        let ratio = least / max(usable, 1e-9)
        let devices = (Double(space.cluster.devices) * ratio).rounded(.up)
        let more = devices < 1e12 ? "about \(Int(devices)) or more" : "far more"
        var fixes = ["\(more) \(space.cluster.profile.name) devices"]
        if !space.precisions.contains(.fp8) && space.cluster.profile.supports(.fp8) { fixes.append("--precision fp8") }
        fixes.append("a device with more memory")
        return
            "no configuration fits: the smallest memory per device any of \(result.candidates) configurations "
            + "reaches is \(String(format: "%.1f", least)) GiB, but \(space.cluster.profile.name) has "
            + "\(String(format: "%.1f", usable)) GiB usable "
            + "(\(String(format: "%.0f", space.cluster.profile.memoryGiB)) GiB less reserve); would fit "
            + "with \(fixes.joined(separator: ", or "))"
    }
}
