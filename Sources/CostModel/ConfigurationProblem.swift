/// Why a given configuration cannot run, naming the field and what would be valid.
public struct ConfigurationProblem: Error, Sendable, Hashable {
    public enum Field: String, Sendable, Hashable {
        case tensor, pipeline, data, context, expert, virtualStages, microbatchSize, globalBatch, sequenceLength,
            zeroStage, precision, recomputeLayers, offloadedLayers
    }
    public var field: Field
    public var message: String
}

extension ParallelConfiguration {
    /// Every reason this configuration cannot run `model` on `cluster`; empty when it can.
    public func problems(model: ModelDescription, cluster: ClusterDescription) -> [ConfigurationProblem] {
        var found: [ConfigurationProblem] = []
        func add(_ field: ConfigurationProblem.Field, _ message: String) {
            found.append(.init(field: field, message: message))
        }
        for (field, value) in [
            (ConfigurationProblem.Field.tensor, tensor), (.pipeline, pipeline), (.data, data), (.context, context),
            (.expert, expert), (.virtualStages, virtualStages), (.microbatchSize, microbatchSize),
        ] where value < 1 {
            add(field, "must be at least 1, got \(value)")
        }
        guard found.isEmpty else { return found }
        let kv = model.latentAttention == nil ? model.keyValueHeads : model.attentionHeads
        if model.attentionHeads % tensor != 0 || kv % tensor != 0 {
            add(
                .tensor,
                "\(tensor) does not divide the \(model.attentionHeads) attention heads and \(kv) key-value heads; "
                    + "use one of "
                    + "\(Divisors.of(gcd(model.attentionHeads, kv)).map(String.init).joined(separator: ", "))"
            )
        }
        // Stages placed on some groups of a mixed cluster use exactly those groups' devices.
        let cluster =
            stageGroups.map { groups in
                var used = cluster
                used.groups = Set(groups).sorted().compactMap {
                    cluster.groups.indices.contains($0) ? cluster.groups[$0] : nil
                }
                return used.groups.isEmpty ? cluster : used
            } ?? cluster
        if devices != cluster.devices {
            // The fix offered is one that makes the product right: a dp when tp·pp·cp divides the
            // cluster, otherwise the cp values that let one exist.
            let others = tensor * pipeline * context
            let fix: String
            if cluster.devices % others == 0 {
                fix = "dp = \(cluster.devices / others) makes it \(cluster.devices)"
            } else if cluster.devices % (tensor * pipeline) == 0 {
                let contexts = Divisors.of(cluster.devices / (tensor * pipeline)).map(String.init)
                fix =
                    "no dp does with tp·pp·cp = \(others); cp must divide \(cluster.devices / (tensor * pipeline)): "
                    + contexts.joined(separator: ", ")
            } else {
                fix = "no dp does with tp·pp = \(tensor * pipeline), which does not divide \(cluster.devices)"
            }
            add(
                .data,
                "tp·pp·dp·cp = \(tensor)·\(pipeline)·\(data)·\(context) = \(devices), but the cluster has "
                    + "\(cluster.devices) devices; choose degrees whose product is \(cluster.devices) (\(fix))"
            )
        }
        if virtualStages > 1 && pipeline == 1 {
            add(
                .virtualStages,
                "\(virtualStages) virtual stages need pipeline parallelism, but pp is 1; use vpp 1, or pp of 2 or more")
        }
        if chunks > model.layers {
            add(
                .pipeline,
                "pp·vpp = \(pipeline)·\(virtualStages) = \(chunks) stages for \(model.layers) layers; use at most "
                    + "\(model.layers) stages"
            )
        }
        if globalBatchSize % (data * microbatchSize) != 0 {
            add(
                .microbatchSize,
                "global batch \(globalBatchSize) does not split into dp·mbs = \(data)·\(microbatchSize) = "
                    + "\(data * microbatchSize); use a microbatch size dividing \(globalBatchSize / max(data, 1)) "
                    + "with a global batch that is a multiple of dp"
            )
        } else if virtualStages > 1 && microbatchCount % pipeline != 0 {
            add(
                .virtualStages,
                "the interleaved schedule needs the microbatch count (\(microbatchCount)) to be a multiple of pp "
                    + "(\(pipeline)); use vpp 1 or another microbatch size"
            )
        }
        if let moe = model.moe {
            if moe.experts % expert != 0 || (tensor * data * context) % expert != 0 {
                add(
                    .expert,
                    "\(expert) must divide the \(moe.experts) experts and tp·dp·cp = \(tensor * data * context)")
            }
        } else if expert != 1 {
            add(
                .expert,
                "\(expert) given for a dense model; expert parallelism needs a mixture-of-experts model (use 1)")
        }
        if sequenceLength % context != 0 {
            add(.context, "\(context) does not divide the sequence length \(sequenceLength)")
        }
        if !cluster.profile.supports(precision) {
            let supported = cluster.profile.densePeakTFLOPS.keys.filter(\.isTrainingPrecision).map(\.rawValue).sorted()
            add(
                .precision,
                "\(cluster.profile.name) has no dense \(precision.rawValue) peak; use "
                    + supported.joined(separator: " or ")
            )
        }
        found += offloadProblems(model: model, cluster: cluster)
        return found
    }

    /// What CPU activation offload needs, as Megatron-Core checks it (megatron/core/transformer/
    /// transformer_config.py, `__post_init__`): fewer offloaded layers than the model has, no pipeline
    /// parallelism and no activation recompute; and, for the cost model, a host link to move them over.
    private func offloadProblems(model: ModelDescription, cluster: ClusterDescription) -> [ConfigurationProblem] {
        guard offloadedLayers != 0 else { return [] }
        var found: [ConfigurationProblem] = []
        if offloadedLayers < 0 || offloadedLayers >= model.layers {
            found.append(
                .init(
                    field: .offloadedLayers,
                    message: "\(offloadedLayers) offloaded layers for \(model.layers) layers; offload 0 to "
                        + "\(model.layers - 1) (at least one layer keeps its activations on the device)"))
        }
        if pipeline > 1 {
            found.append(
                .init(
                    field: .offloadedLayers,
                    message: "CPU activation offload does not run with pipeline parallelism (pp \(pipeline)); "
                        + "use pp 1 or offload no layer"))
        }
        if recompute != .none {
            found.append(
                .init(
                    field: .offloadedLayers,
                    message: "CPU activation offload does not run with \(recompute.rawValue) recompute; use "
                        + "recompute none or offload no layer"))
        }
        if cluster.profile.hostLinkGBpsOneDirection == nil {
            let name = cluster.profile.name
            let file = name == "inline" ? "the cluster file's gpu: mapping" : "hardware-profiles/\(name).yaml"
            found.append(
                .init(
                    field: .offloadedLayers,
                    message: "\(name) gives no host_link_GBps_one_direction to offload over; add it to its "
                        + "profile (\(file), GB/s per GPU, one direction) or offload no layer"))
        }
        return found
    }

    private func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
}

/// The divisors of a positive whole number, ascending (degrees that split `n` devices or heads evenly).
public enum Divisors {
    public static func of(_ n: Int) -> [Int] { n < 1 ? [] : (1...n).filter { n % $0 == 0 } }
}
