/// Degrees too large for the cluster, refused before the configuration checks multiply them:
/// tp·pp·dp·cp of four flags near `Int.max` overflows (a crash, not an error). Within these bounds
/// every product stays far below 2^63 and `ParallelConfiguration.problems` gives the precise reason.
public enum DegreeBounds {
    public static func problem(
        _ config: ParallelConfiguration, devices: Int
    ) -> (field: ConfigurationProblem.Field, message: String)? {
        let degrees: [(ConfigurationProblem.Field, String, Int)] = [
            (.tensor, "tp", config.tensor), (.pipeline, "pp", config.pipeline), (.data, "dp", config.data),
            (.context, "cp", config.context), (.expert, "ep", config.expert),
        ]
        for (field, name, value) in degrees where value > devices {
            return (
                field,
                "\(name) = \(value) exceeds the cluster's \(devices) devices; tp·pp·dp·cp must equal \(devices)"
            )
        }
        let product = degrees.prefix(4).map { Double(max($0.2, 1)) }.reduce(1, *)
        if product > Double(devices) {
            return (
                .data,
                "tp·pp·dp·cp = \(config.tensor)·\(config.pipeline)·\(config.data)·\(config.context) exceeds the "
                    + "cluster's \(devices) devices; choose degrees whose product is \(devices)"
            )
        }
        if config.virtualStages > 100_000 {
            return (
                .virtualStages,
                "\(config.virtualStages) virtual stages per rank is more than any model has layers; use at most the "
                    + "layers per pipeline stage"
            )
        }
        if config.microbatchSize > config.globalBatchSize {
            return (
                .microbatchSize,
                "\(config.microbatchSize) sequences per microbatch exceed the global batch of "
                    + "\(config.globalBatchSize); use a divisor of global batch / dp"
            )
        }
        return nil
    }
}
