import CostModel
import Foundation
import Planner

/// `prediction.uncertainty`: how far the measured step may land from the predicted one, from the
/// cross-validated errors of runs of the same class (`PredictionIntervals`; docs/uncertainty.md).
extension TrainingPlanDocument {
    package struct Uncertainty: Codable, Sendable {
        /// The share of runs like this one whose measured value fell inside the interval.
        package var coverage: Double
        /// The "±" shown: the interval is [value / (1 + relative), value × (1 + relative)].
        package var relative: Double
        package var stepTimeSeconds: [Double]
        package var tokensPerSecondPerDevice: [Double]
        package var runs: Int
        package var basis: String
        package var extrapolated: Bool
    }

    /// This plan and its alternatives with intervals from `intervals`.
    package mutating func attachUncertainty(_ intervals: PredictionIntervals?) {
        guard let intervals else { return }
        let interval = intervals.interval(
            profile: cluster.gpu, framework: framework, precision: precision, devices: cluster.devices,
            parameters: model.parameters)
        let step = prediction.stepTimeSeconds, speed = prediction.tokensPerSecondPerDevice
        let factor = exp(interval.halfWidthLog)
        prediction.uncertainty = Uncertainty(
            coverage: interval.coverage, relative: interval.relative,
            stepTimeSeconds: [Rounded.six(step / factor), Rounded.six(step * factor)],
            tokensPerSecondPerDevice: [Rounded.six(speed / factor), Rounded.six(speed * factor)],
            runs: interval.runs, basis: interval.basis, extrapolated: interval.extrapolated)
        if var others = alternatives {
            for index in others.indices { others[index].attachUncertainty(intervals) }
            alternatives = others
        }
    }
}

extension DataDirectory {
    /// The bundled prediction intervals (validation/prediction-intervals.json, written by
    /// `plan validate --cross-validate --write-intervals`), or nil when there are none.
    package func predictionIntervals() -> PredictionIntervals? {
        guard let url = url("validation/prediction-intervals.json"), let data = try? Data(contentsOf: url) else {
            return nil
        }
        return try? JSONDecoder().decode(PredictionIntervals.self, from: data)
    }
}
