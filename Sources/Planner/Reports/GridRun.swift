import CostModel

/// One measured configuration of a benchmark grid (validation/playbook-grid-1b-3b.csv): which model, on how
/// many nodes, split how, and what it measured. Every row of such a grid ran, so its memory fitted.
package struct GridRun: Sendable, Hashable {
    /// The line of the grid file the run came from (the header is line 1), to find it again.
    package var line: Int
    /// The model's label in the grid (`1B`), as the file names it.
    package var modelName: String
    package var model: ModelDescription
    package var nodes: Int
    package var config: ParallelConfiguration
    package var measuredTokensPerSecondPerDevice: Double
    /// Peak memory per GPU, bytes.
    package var measuredMemoryBytes: Double

    package init(
        line: Int, modelName: String, model: ModelDescription, nodes: Int, config: ParallelConfiguration,
        measuredTokensPerSecondPerDevice: Double, measuredMemoryBytes: Double
    ) {
        self.line = line
        self.modelName = modelName
        self.model = model
        self.nodes = nodes
        self.config = config
        self.measuredTokensPerSecondPerDevice = measuredTokensPerSecondPerDevice
        self.measuredMemoryBytes = measuredMemoryBytes
    }
}
