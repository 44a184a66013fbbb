import CostModel

extension TrainingPlanDocument {
    /// The framework's own choices the plan was costed with, which its launch must make the same way
    /// (issue 13): which per-chunk recompute counts it expresses (frameworks/NAME.yaml
    /// `recompute_layers_per_stage`; the plan's `recompute.layersPerStage` keeps to it) and the dtypes
    /// gradients accumulate and are reduced in ("fp32" for 4 bytes per parameter, "bf16" for 2).
    package struct LaunchChoices: Codable, Sendable {
        package var recomputeLayersPerStage: RecomputeLayers
        package var gradientAccumulationDtype: String
        package var gradientReduceDtype: String

        package init(_ framework: Framework) {
            recomputeLayersPerStage = framework.recomputeLayers
            gradientAccumulationDtype = Self.dtype(bytes: framework.gradientAccumulationBytes)
            gradientReduceDtype = Self.dtype(bytes: framework.gradientReduceBytes)
        }

        static func dtype(bytes: Double) -> String {
            switch bytes {
            case 4: "fp32"
            case 2: "bf16"
            case 1: "fp8"
            default: "\(bytes) bytes"
            }
        }
    }
}
