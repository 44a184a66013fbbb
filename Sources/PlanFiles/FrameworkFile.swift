import CostModel
import Foundation

/// Reads a framework file (frameworks/NAME.yaml; frameworks/README.md gives the schema). The format
/// is ours, so it is strict: every key known, every value of `supports:` and `mechanisms:` present
/// and given a `source:`.
package enum FrameworkFile {
    static let topKeys = ["name", "description", "version", "supports", "mechanisms", "source", "notes"]
    static let supportKeys = [
        "interleaved_schedule", "zero_stages", "zero_stages_with_pipeline", "tensor_parallel", "pipeline_parallel",
        "context_parallel", "expert_parallel", "sequence_parallel", "recompute", "per_stage_recompute",
    ]
    /// Optional `supports:` keys (with a `source:` when given).
    static let optionalSupportKeys = [
        "recompute_layers_per_stage", "pipeline_split", "selective_recompute", "mixed_device_pipeline",
        "cpu_activation_offload",
    ]
    static let mechanismKeys = [
        "tensor_comm_overlap", "gradient_accumulation_bytes", "gradient_reduce_bytes", "gradient_reduce_overlap",
        "parameter_gather_overlap", "master_weights_bytes", "optimizer_state_bytes", "weights_bytes",
        "gathers_per_microbatch", "fused_kernels", "shards_under_pipeline",
    ]
    /// Optional `mechanisms:` keys (with a `source:` when given).
    static let optionalMechanismKeys = [
        "loss_logit_bytes", "flash_attention_2", "optimizer_gather_overlap", "host_layer_forward_us",
        "gradient_accumulation_pass_bytes", "data_parallel_bucket_bytes", "distributed_checkpoints",
        "fp8_weight_gather", "triton_flash_attention",
    ]

    package static func decode(_ yaml: YAMLMapping, defaultName: String) throws -> Framework {
        try yaml.requireKnownKeys(topKeys)
        func section(_ key: String, _ keys: [String]) throws -> YAMLMapping {
            guard let block = try yaml.mapping(key) else {
                throw yaml.error(key, nil, "is missing; give \(keys.joined(separator: ", ")) (frameworks/README.md)")
            }
            try block.requireKnownKeys(keys)
            return block
        }
        let supports = try section("supports", supportKeys + optionalSupportKeys)
        let mechanisms = try section("mechanisms", mechanismKeys + optionalMechanismKeys)
        let sources = try section("source", supportKeys + optionalSupportKeys + mechanismKeys + optionalMechanismKeys)
        let optional = optionalSupportKeys.filter(supports.contains) + optionalMechanismKeys.filter(mechanisms.contains)
        for key in supportKeys + mechanismKeys + optional {
            let text = try sources.string(key)
            if text.map(YAMLMapping.isBlank) ?? true {
                throw sources.error(key, nil, "is missing; every value of a framework file carries its source")
            }
        }
        func flag(_ block: YAMLMapping, _ key: String) throws -> Bool {
            guard let value = try block.bool(key) else { throw block.error(key, nil, "is missing; give true or false") }
            return value
        }
        func bytes(_ key: String) throws -> Double {
            guard let value = try mechanisms.number(key, in: 0...16, fix: "give bytes per parameter, 0 to 16") else {
                throw mechanisms.error(key, nil, "is missing; give bytes per parameter")
            }
            return value
        }
        func stages(_ key: String) throws -> [ZeROStage] {
            guard let list = try supports.integers(key, in: 0...3), !list.isEmpty else {
                throw supports.error(key, nil, "is missing or empty; list the ZeRO stages, e.g. [0, 1, 3]")
            }
            return Array(Set(list.compactMap(ZeROStage.init(rawValue:)))).sorted()
        }
        guard let recomputeNames = try supports.strings("recompute"), !recomputeNames.isEmpty else {
            throw supports.error("recompute", nil, "is missing or empty; list none, selective and/or full")
        }
        let recompute = try recomputeNames.map { name in
            guard let granularity = RecomputeGranularity(rawValue: name) else {
                throw supports.error("recompute", nil, "'\(YAMLMapping.clipped(name))' is not none, selective or full")
            }
            return granularity
        }
        let zero = try stages("zero_stages")
        let withPipeline = try stages("zero_stages_with_pipeline")
        guard Set(withPipeline).isSubset(of: zero) else {
            throw supports.error(
                "zero_stages_with_pipeline", nil, "lists a stage zero_stages does not; list a subset of \(zero)")
        }
        guard try flag(mechanisms, "gathers_per_microbatch") else {
            throw mechanisms.error(
                "gathers_per_microbatch", nil,
                "false is not modelled: the cost model gathers ZeRO-3 weights per microbatch; set true")
        }
        var framework = Framework(
            name: try yaml.string("name") ?? defaultName,
            interleavedSchedule: try flag(supports, "interleaved_schedule"),
            zeroStages: zero, zeroStagesWithPipeline: withPipeline,
            tensorParallel: try flag(supports, "tensor_parallel"),
            pipelineParallel: try flag(supports, "pipeline_parallel"),
            contextParallel: try flag(supports, "context_parallel"),
            expertParallel: try flag(supports, "expert_parallel"),
            sequenceParallel: try flag(supports, "sequence_parallel"), recompute: recompute,
            perStageRecompute: try flag(supports, "per_stage_recompute"),
            tensorCommOverlap: try flag(mechanisms, "tensor_comm_overlap"),
            gradientAccumulationBytes: try bytes("gradient_accumulation_bytes"),
            gradientReduceBytes: try bytes("gradient_reduce_bytes"),
            gradientReduceOverlap: try flag(mechanisms, "gradient_reduce_overlap"),
            parameterGatherOverlap: try flag(mechanisms, "parameter_gather_overlap"),
            masterWeightsBytes: try bytes("master_weights_bytes"),
            optimizerStateBytes: try bytes("optimizer_state_bytes"),
            weightsBytes: try bytes("weights_bytes"),
            fusedKernels: try fusedKernels(mechanisms),
            shardsUnderPipeline: try flag(mechanisms, "shards_under_pipeline"),
            recomputeLayers: try recomputeLayers(supports),
            pipelineSplit: try choice(supports, "pipeline_split", default: .even),
            selectiveRecompute: try choice(supports, "selective_recompute", default: .modules),
            mixedDevicePipeline: try supports.bool("mixed_device_pipeline") ?? false,
            lossLogitBytes: try mechanisms.number(
                "loss_logit_bytes", in: 0...64,
                fix: "give bytes per logit alive at the loss, 6 for a 16-bit output "
                    + "and one fp32 copy") ?? 6,
            flashAttention2: try mechanisms.bool("flash_attention_2") ?? false,
            optimizerGatherOverlap: try mechanisms.bool("optimizer_gather_overlap") ?? false,
            hostLayerForwardSeconds: (try mechanisms.number(
                "host_layer_forward_us", in: 0...100_000,
                fix: "give the host time to issue one layer's forward kernels in microseconds") ?? 0) * 1e-6,
            gradientAccumulationPassBytes: try mechanisms.number(
                "gradient_accumulation_pass_bytes", in: 0...64,
                fix: "give HBM bytes per parameter of the unfused gradient accumulation, 0 when fused") ?? 0,
            dataParallelBucketBytes: try mechanisms.number(
                "data_parallel_bucket_bytes", in: 0...16,
                fix: "give bytes per parameter of the data-parallel wrapper's own gradient buckets, "
                    + "0 when it reduces the accumulation buffer in place") ?? 0,
            distributedCheckpoints: try mechanisms.bool("distributed_checkpoints") ?? false,
            cpuActivationOffload: try supports.bool("cpu_activation_offload") ?? false)
        framework.fp8WeightGather = try mechanisms.bool("fp8_weight_gather") ?? false
        framework.tritonFlashAttention = try mechanisms.bool("triton_flash_attention") ?? false
        return framework
    }

    /// An optional `supports:` key naming one case of `T` (frameworks/README.md).
    static func choice<T: RawRepresentable & CaseIterable>(
        _ supports: YAMLMapping, _ key: String, default: T
    ) throws -> T where T.RawValue == String {
        guard let name = try supports.string(key) else { return `default` }
        guard let value = T(rawValue: name) else {
            let names = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw supports.error(key, nil, "'\(YAMLMapping.clipped(name))' is not one of \(names)")
        }
        return value
    }

    /// `recompute_layers_per_stage: any | same_count | all` (frameworks/README.md); when absent, `any` if
    /// `per_stage_recompute` is true and `same_count` if not. It must agree with `per_stage_recompute`.
    static func recomputeLayers(_ supports: YAMLMapping) throws -> RecomputeLayers {
        let perStage = try supports.bool("per_stage_recompute") ?? false
        guard let name = try supports.string("recompute_layers_per_stage") else { return perStage ? .any : .sameCount }
        let names = RecomputeLayers.allCases.map(\.rawValue).joined(separator: ", ")
        guard let value = RecomputeLayers(rawValue: name) else {
            throw supports.error(
                "recompute_layers_per_stage", nil, "'\(YAMLMapping.clipped(name))' is not one of \(names)")
        }
        guard (value == .any) == perStage else {
            throw supports.error(
                "recompute_layers_per_stage", nil,
                "\(name) contradicts per_stage_recompute \(perStage); use any exactly when per_stage_recompute is true")
        }
        return value
    }

    /// `fused_kernels: [norm, activation, rotary]`: the layer kernels the framework fuses ([] for none).
    package static func fusedKernels(_ block: YAMLMapping, key: String = "fused_kernels") throws -> Set<FusedKernel> {
        guard let names = try block.strings(key) else {
            throw block.error(key, nil, "is missing; list the fused kernels (norm, activation, rotary), or [] for none")
        }
        return Set(
            try names.map { name in
                guard let kernel = FusedKernel(rawValue: name) else {
                    throw block.error(key, nil, "'\(YAMLMapping.clipped(name))' is not norm, activation or rotary")
                }
                return kernel
            })
    }
}
