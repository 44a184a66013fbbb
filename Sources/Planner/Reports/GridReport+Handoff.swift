import CostModel

extension GridReport {
    /// How a cluster's `pipeline_handoff_seconds` comes out of a grid, and what it is worth on
    /// runs it was not fitted to.
    package struct HandoffCheck: Encodable, Sendable {
        /// One node count of a fitted table.
        package struct Point: Encodable, Sendable, Hashable {
            package var nodes: Int
            package var seconds: Double
            package init(nodes: Int, seconds: Double) {
                self.nodes = nodes
                self.seconds = seconds
            }
        }
        /// Fitted on every row: what the cluster file ships.
        package var fitted: [Point]
        /// The grid predicted without any handoff time.
        package var without: Summary
        /// Each model's rows predicted with the table fitted on the other models' rows; nil (absent from the
        /// JSON) on a grid of one model.
        package var crossModel: Summary?
        package var crossModelCells: [Cell]
    }

    /// Per node count, the median over the pipelined rows whose pipeline leaves the NVLink domain of
    /// (measured − predicted step time) ÷ (m + p − 1), the pipeline slots of a 1F1B step (Narayanan et al.
    /// 2021): what each handoff costs beyond the model, at least 1 µs (the table interpolates in log
    /// space). The predictions must not include a handoff time already.
    static func fitHandoff(_ predicted: [Predicted], domainGPUs: Int) -> [Int: Double] {
        var excess: [Int: [Double]] = [:]
        for (run, prediction) in predicted {
            let c = run.config
            guard c.pipeline > 1, c.pipeline * c.pipelineStride > domainGPUs else { continue }
            let tokens = Double(c.globalBatchSize * c.sequenceLength), devices = Double(c.devices)
            let measured = tokens / (run.measuredTokensPerSecondPerDevice * devices)
            let modelled = tokens / (prediction.tokensPerSecondPerDevice * devices)
            excess[run.nodes, default: []].append((measured - modelled) / Double(c.microbatchCount + c.pipeline - 1))
        }
        return excess.compactMapValues { values in Statistics.median(values).map { Rounded.six(max($0, 1e-6)) } }
    }

    /// Fits the handoff table of `framework` on all rows (predicted with `cluster` less its handoff table),
    /// and predicts each model's rows with the table fitted on the others: the figure to judge the table by.
    package static func handoffCheck(
        runs: [GridRun], framework: String, cluster: @escaping (_ nodes: Int) throws -> ClusterDescription,
        predict: Predictor
    ) throws -> HandoffCheck {
        let without = { (nodes: Int) throws -> ClusterDescription in
            var built = try cluster(nodes)
            built.pipelineHandoff = nil
            return built
        }
        let domain = try without(1).nvlinkDomainGPUs
        let baseline = pairs(runs, try predictions(runs: runs, cluster: without, predict: predict))
        let models = modelNames(runs)
        var crossed: [Predicted] = []
        for model in models {
            let table = fitHandoff(baseline.filter { $0.run.modelName != model }, domainGPUs: domain)
            let own = runs.filter { $0.modelName == model }
            let with = { (nodes: Int) throws -> ClusterDescription in
                var built = try without(nodes)
                built.pipelineHandoff = PipelineHandoff(framework: framework, secondsByNodes: table)
                return built
            }
            crossed += pairs(own, try predictions(runs: own, cluster: with, predict: predict))
        }
        let cells = models.count > 1 ? Self.cells(crossed) : []
        return HandoffCheck(
            fitted: fitHandoff(baseline, domainGPUs: domain).sorted { $0.key < $1.key }.map {
                HandoffCheck.Point(nodes: $0.key, seconds: $0.value)
            },
            without: summary(runs: runs, predicted: baseline, cells: Self.cells(baseline)),
            crossModel: models.count > 1 ? summary(runs: runs, predicted: crossed, cells: cells) : nil,
            crossModelCells: cells)
    }
}
