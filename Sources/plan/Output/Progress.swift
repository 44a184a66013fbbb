import Foundation
import Planner

/// A one-line progress note on standard error for long comparisons (only on a terminal).
enum Progress {
    static func reporter(total: Int, show: Bool) -> (Int, Comparison.Job) -> Void {
        { index, job in
            guard show else { return }
            FileHandle.standardError.write(
                Data(
                    ("\r[\(index + 1)/\(total)] \(PlanTable.shown(job.model.name)) on "
                        + "\(PlanTable.shown(job.cluster.name)) (\(job.cluster.devices) GPUs)…\u{1B}[K")
                        .utf8))
        }
    }

    static func clear(show: Bool) {
        if show { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
