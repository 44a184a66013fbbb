import CostModel
import PlanFiles

/// The plan's replicas placed on its nodes: which `deviceMap` replica belongs to which configuration of
/// `serving.replicas[]`, and so which GPUs of which node each configuration's servers use.
package struct ServingLayout {
    /// One replica (a `deviceMap[].data` value): its GPUs as (node position, local index).
    struct Slot {
        var gpus: [(node: Int, local: Int)]
        var nodes: [Int] { Array(Set(gpus.map(\.node))).sorted() }
    }

    /// One configuration of `serving.replicas[]` with its replicas in data-parallel rank order.
    struct Configuration {
        var number: Int
        var replica: ServingLaunchPlan.Replica
        var slots: [Slot]

        /// Node positions (NODE_RANK values) it runs on, ascending.
        var nodes: [Int] { Array(Set(slots.flatMap(\.nodes))).sorted() }
        /// Whether one replica needs GPUs of several nodes (multi-node tensor × pipeline).
        var spansNodes: Bool { slots.contains { $0.nodes.count > 1 } }
        /// Replicas that run entirely on `node`.
        func replicas(on node: Int) -> Int { slots.filter { $0.nodes == [node] }.count }
        /// Its GPUs on `node`, by local index.
        func localGPUs(on node: Int) -> [Int] { slots.flatMap(\.gpus).filter { $0.node == node }.map(\.local).sorted() }
    }

    var configurations: [Configuration]
    /// Node positions that run servers of more than one configuration.
    var sharedNodes: Set<Int>

    /// `deviceMap` lays replicas out device group by device group (in the cluster's group order), and
    /// inside a group in `serving.replicas[]` order. The JSON does not say which group is which, so the
    /// configurations are matched to the consecutive replicas of `deviceMap` by size and count, trying
    /// the first group's GPU (`cluster.gpu`) first and then list order, and never putting two GPU models
    /// on one node.
    init(plan: ServingLaunchPlan) throws {
        let position = Dictionary(uniqueKeysWithValues: plan.nodeNumbers.enumerated().map { ($1, $0) })
        var byReplica: [Int: [ServingLaunchPlan.Device]] = [:]
        for device in plan.deviceMap { byReplica[device.data, default: []].append(device) }
        let slots = byReplica.values
            .map { $0.sorted { $0.rank < $1.rank } }
            .sorted { $0[0].rank < $1[0].rank }
            .map { Slot(gpus: $0.map { (position[$0.node]!, $0.localIndex) }) }
        let preference = plan.replicas.indices.sorted { a, b in
            let firstA = plan.replicas[a].gpu == plan.gpu, firstB = plan.replicas[b].gpu == plan.gpu
            return firstA != firstB ? firstA : a < b
        }
        func fits(_ order: [Int]) -> Bool {
            var gpuOfNode: [Int: String] = [:]
            var next = 0
            for index in order {
                let replica = plan.replicas[index]
                for slot in slots[next..<(next + replica.count)] {
                    for node in slot.nodes {
                        if let other = gpuOfNode[node], other != replica.gpu { return false }
                        gpuOfNode[node] = replica.gpu
                    }
                }
                next += replica.count
            }
            return true
        }
        func search(_ next: Int, _ order: [Int]) -> [Int]? {
            if order.count == plan.replicas.count { return next == slots.count && fits(order) ? order : nil }
            for index in preference where !order.contains(index) {
                let replica = plan.replicas[index]
                let end = next + replica.count
                guard end <= slots.count, slots[next..<end].allSatisfy({ $0.gpus.count == replica.devicesPerReplica })
                else { continue }
                if let found = search(end, order + [index]) { return found }
            }
            return nil
        }
        guard let order = search(0, []) else {
            throw InputError(
                file: plan.origin, key: "deviceMap",
                "does not hold the replicas of serving.replicas[] (count replicas of tensor × pipeline GPUs each, "
                    + "one GPU model per node); re-create the plan with `plan infer --out FILE`"
            )
        }
        var assigned: [Int: [Slot]] = [:]
        var next = 0
        for index in order {
            assigned[index] = Array(slots[next..<(next + plan.replicas[index].count)])
            next += plan.replicas[index].count
        }
        configurations = plan.replicas.enumerated().map {
            Configuration(number: $0 + 1, replica: $1, slots: assigned[$0]!)
        }
        var users: [Int: Int] = [:]
        for configuration in configurations {
            for node in configuration.nodes { users[node, default: 0] += 1 }
        }
        sharedNodes = Set(users.filter { $0.value > 1 }.keys)
    }
}
