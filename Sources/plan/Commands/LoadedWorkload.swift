import CostModel
import Foundation
import PlanFiles

/// The model and cluster a command runs on, loaded and checked together.
struct LoadedWorkload {
    var model: ModelDescription
    var cluster: ClusterDescription
    var framework: Framework
    var sequenceLength: Int
    var globalBatch: Int

    init(_ options: WorkloadOptions) throws {
        try options.check()
        let data = DataDirectory()
        model = try data.model(options.model)
        cluster = try data.cluster(options.cluster)
        framework = try data.framework(options.framework)
        sequenceLength = options.sequenceLength ?? min(model.maxPositions, 8192)
        globalBatch = options.globalBatch
        if sequenceLength > model.maxPositions {
            FileHandle.standardError.write(
                Data(
                    ("note: --seq-len \(sequenceLength) exceeds the model's max_position_embeddings "
                        + "\(model.maxPositions)\n")
                        .utf8))
        }
    }
}
