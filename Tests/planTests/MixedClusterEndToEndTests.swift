import Foundation
import Testing

/// `plan train` on the bundled mixed clusters, as a user runs it.
struct MixedClusterEndToEndTests {
    static func stripped(_ data: Data) -> String {
        String(decoding: data, as: UTF8.self).split(separator: "\n").filter { !$0.contains("\"wallSeconds\"") }
            .joined(separator: "\n")
    }

    /// Llama-3-70B on 32 H100 + 32 A100, and on 16 H200 + 48 H100: the plan's stages sit on both
    /// groups, the slower device holds fewer layers per stage, every rank fits its own device, and
    /// the plan beats the best plan of either group alone.
    @Test(arguments: [("hetero-a100-h100", "a100-sxm4-80gb"), ("hetero-h200-h100", "h100-sxm5-80gb")])
    func stagesUseBothGroupsAndBeatOneGroup(_ cluster: String, slower: String) throws {
        let result = try Binary.run(["train", "--model", "llama3-70b", "--cluster", cluster, "--top", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        let plan = try result.json()
        let placement = try #require(plan["placement"] as? [String: Any])
        let stageGroups = try #require(placement["stageGroups"] as? [Int])
        #expect(Set(stageGroups) == [0, 1], "stages on \(stageGroups)")
        let groups = try #require(placement["groups"] as? [[String: Any]])
        let perStage = groups.map { group -> Double in
            let ranks = (group["pipelineRanks"] as? [Int])?.count ?? 0
            return Double(group["layers"] as? Int ?? 0) / Double(max(ranks, 1))
        }
        let slowIndex = try #require(groups.firstIndex { $0["gpu"] as? String == slower })
        #expect(perStage[slowIndex] < perStage[1 - slowIndex], "layers per stage \(perStage)")
        for group in groups {
            let fullest = group["fullestMemoryGiB"] as? Double ?? .infinity
            #expect(fullest <= group["usableGiB"] as? Double ?? 0, "\(group)")
        }
        let gain = try #require(placement["gainOverBestSingleGroup"] as? Double)
        #expect(gain > 0.1, "gain over one group \(gain)")
        #expect((placement["singleGroupPlans"] as? [Any])?.count == 2)
        // Every stage names its GPU, and every rank its group, in line with stageGroups.
        let stages = try #require(plan["stages"] as? [[String: Any]])
        for stage in stages {
            let rank = stage["rank"] as? Int ?? -1
            #expect(stage["group"] as? Int == stageGroups[rank])
        }
        let devices = try #require(plan["deviceMap"] as? [[String: Any]])
        for device in devices {
            #expect(device["group"] as? Int == stageGroups[device["pipeline"] as? Int ?? 0])
        }
        // Nodes in launch order: rank 0 on node 0, and each node holds one group's GPUs.
        var nodeGroup: [Int: Int] = [:]
        for device in devices {
            let node = device["node"] as? Int ?? -1, group = device["group"] as? Int ?? -1
            #expect(nodeGroup[node, default: group] == group, "node \(node) mixes groups")
            nodeGroup[node] = group
        }
        #expect(devices.first?["node"] as? Int == 0)
        // The same inputs give the same plan, byte for byte (wall times aside).
        let again = try Binary.run(["train", "--model", "llama3-70b", "--cluster", cluster, "--top", "2"])
        #expect(Self.stripped(again.stdout) == Self.stripped(result.stdout))
    }

    @Test func tableShowsTheGroupsAndTheGain() throws {
        let result = try Binary.run([
            "train", "--model", "llama3-70b", "--cluster", "hetero-a100-h100", "--format", "table", "--top", "1",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.text.contains("device groups"))
        #expect(result.text.contains("alone on h100-sxm5-80gb (32 GPUs"))
        #expect(result.text.contains("more throughput than the best on one group"))
        #expect(result.text.contains("a100-sxm4-80gb (group 1): a layer takes"))
    }
}
