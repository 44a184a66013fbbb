import CostModel

/// The identities every launcher relies on. A plan edited by hand that breaks one is refused when it
/// is read, rather than turned into a launcher file that fails on the cluster.
extension TrainingPlanDocument {
    package func check(origin: String) throws {
        let remedy = "re-run `plan train`"
        let degrees: [(String, Int)] = [
            ("cluster.devices", cluster.devices), ("workload.globalBatchSize", workload.globalBatchSize),
            ("workload.sequenceLength", workload.sequenceLength), ("parallelism.data", parallelism.data),
            ("parallelism.tensor", parallelism.tensor), ("parallelism.pipeline", parallelism.pipeline),
            ("parallelism.context", parallelism.context), ("parallelism.expert", parallelism.expert),
            ("parallelism.virtualStages", parallelism.virtualStages), ("microbatch.size", microbatch.size),
            ("microbatch.count", microbatch.count),
        ]
        for (key, value) in degrees where value < 1 {
            throw InputError(file: origin, key: key, "is \(value); it must be at least 1")
        }
        guard precision.isTrainingPrecision else {
            throw InputError(
                file: origin, key: "precision", "is '\(precision.rawValue)'; expected bf16, fp16, fp8 or fp32")
        }
        let p = parallelism
        let product = p.data * p.tensor * p.pipeline * p.context
        guard product == cluster.devices else {
            throw InputError(
                file: origin, key: "parallelism",
                "data × tensor × pipeline × context = \(product), but cluster.devices is \(cluster.devices); "
                    + remedy)
        }
        guard microbatch.size * microbatch.count * p.data == workload.globalBatchSize else {
            throw InputError(
                file: origin, key: "microbatch",
                "size \(microbatch.size) × count \(microbatch.count) × data \(p.data) ≠ workload.globalBatchSize "
                    + "\(workload.globalBatchSize); \(remedy)"
            )
        }
        guard stages.count == p.pipeline * p.virtualStages else {
            throw InputError(
                file: origin, key: "stages",
                "has \(stages.count) rows; a plan with pipeline \(p.pipeline) × virtualStages \(p.virtualStages) has "
                    + "\(p.pipeline * p.virtualStages)"
            )
        }
        let held = stages.reduce(0) { $0 + $1.layerCount }
        guard held == model.layers,
            stages.allSatisfy({ $0.layerCount >= 0 && (0...$0.layerCount).contains($0.recomputedLayers) })
        else {
            throw InputError(
                file: origin, key: "stages",
                "hold \(held) layers (model.layers is \(model.layers)) or recompute more layers than they hold; "
                    + "\(remedy)"
            )
        }
        guard deviceMap.count == cluster.devices else {
            throw InputError(
                file: origin, key: "deviceMap",
                "lists \(deviceMap.count) devices, but cluster.devices is \(cluster.devices)")
        }
    }
}

extension InferencePlanDocument {
    /// Weight formats `plan infer` plans with, and the KV-cache formats.
    package static let weightFormats: [Precision] = [.bf16, .fp16, .fp8, .int8, .int4]
    package static let cacheFormats: [Precision] = [.bf16, .fp16, .fp8]

    package var replicaCount: Int { serving.replicas.reduce(0) { $0 + $1.count } }

    package func check(origin: String) throws {
        let remedy = "re-create the plan with `plan infer --out FILE`"
        guard cluster.devices >= 1, workload.promptTokens >= 1, workload.outputTokens >= 1 else {
            throw InputError(
                file: origin, key: "workload",
                "needs cluster.devices, promptTokens and outputTokens of at least 1; \(remedy)")
        }
        guard Self.cacheFormats.contains(serving.kvCachePrecision) else {
            throw InputError(
                file: origin, key: "serving.kvCachePrecision",
                "is '\(serving.kvCachePrecision.rawValue)'; expected bf16, fp16 or fp8")
        }
        guard !serving.replicas.isEmpty else {
            throw InputError(
                file: origin, key: "serving.replicas", "is empty, not a non-empty list of objects; \(remedy)")
        }
        for (position, replica) in serving.replicas.enumerated() {
            guard Self.weightFormats.contains(replica.precision) else {
                throw InputError(
                    file: origin, key: "serving.replicas[\(position)].precision",
                    "is '\(replica.precision.rawValue)'; expected bf16, fp16, fp8, int8 or int4")
            }
            for (key, value) in [
                ("count", replica.count), ("tensor", replica.tensor), ("pipeline", replica.pipeline),
                ("batchSize", replica.batchSize),
            ] where value < 1 {
                throw InputError(
                    file: origin, key: "serving.replicas[\(position)].\(key)", "is \(value); it must be at least 1")
            }
        }
        for (position, device) in deviceMap.enumerated() {
            for (key, value) in [
                ("rank", device.rank), ("node", device.node), ("localIndex", device.localIndex),
                ("data", device.data),
            ] where value < 0 {
                throw InputError(
                    file: origin, key: "deviceMap[\(position)].\(key)", "is \(value); it cannot be negative")
            }
        }
        let used = serving.replicas.reduce(0) { $0 + $1.count * $1.devicesPerReplica }
        guard used == deviceMap.count, used <= cluster.devices else {
            throw InputError(
                file: origin, key: "deviceMap",
                "lists \(deviceMap.count) devices, but serving.replicas[] (count × tensor × pipeline) use \(used) of "
                    + "the cluster's \(cluster.devices); \(remedy)"
            )
        }
        guard Set(deviceMap.map(\.rank)).count == deviceMap.count,
            Set(deviceMap.map { "\($0.node):\($0.localIndex)" }).count == deviceMap.count
        else {
            throw InputError(file: origin, key: "deviceMap", "lists a rank, or a node's GPU, twice; \(remedy)")
        }
        guard Set(deviceMap.map(\.data)) == Set(0..<replicaCount) else {
            throw InputError(
                file: origin, key: "deviceMap",
                "numbers its replicas (data) other than 0 to \(replicaCount - 1), the \(replicaCount) replicas of "
                    + "serving.replicas[]; \(remedy)"
            )
        }
    }
}
