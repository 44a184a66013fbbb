import Foundation
import PlanFiles

/// One TF_CONFIG per worker for `tf.distribute.MultiWorkerMirroredStrategy`, for a pure data-parallel
/// plan: one worker per node, mirroring the model over that node's GPUs.
///
/// TF_CONFIG holds `cluster.worker` (every worker's host:port) and `task` (`type` "worker", `index`
/// this worker's place), as TFConfigClusterResolver reads it (tensorflow.org,
/// tf.distribute.cluster_resolver.TFConfigClusterResolver; tutorials/distribute/multi_worker_with_keras).
/// Standard output (or `--out FILE`) gets `{"workers": [{"host", "TF_CONFIG"}...], "notes": [...]}`;
/// `--out-dir DIR` writes tf_config.worker-N.json per worker and launch.sh.
package struct TensorFlowExport {
    var plan: LaunchPlan
    var hosts: HostNames

    /// The port every worker listens on (any free port works; the tutorial's example uses 12345).
    static let port = 12345

    struct TFConfig: Encodable {
        struct Cluster: Encodable { var worker: [String] }
        struct Task: Encodable { var type = "worker"; var index: Int }
        var cluster: Cluster
        var task: Task
    }

    struct Worker: Encodable {
        var host: String
        var tfConfig: TFConfig
        enum CodingKeys: String, CodingKey { case host, tfConfig = "TF_CONFIG" }
    }

    struct Document: Encodable {
        var workers: [Worker]
        var notes: [String]
    }

    func render() throws -> LauncherExport {
        try ExportText.requireDataParallelOnly(plan, launcher: "tensorflow (MultiWorkerMirroredStrategy)")
        let addresses = hosts.names.map { "\($0):\(Self.port)" }
        let workers = hosts.names.enumerated().map { index, host in
            Worker(host: host, tfConfig: .init(cluster: .init(worker: addresses), task: .init(index: index)))
        }
        let notes = self.notes()
        var files = try workers.enumerated().map { index, worker in
            LauncherExport.File(name: "tf_config.worker-\(index).json", contents: try ExportText.json(worker.tfConfig))
        }
        var script =
            ["#!/usr/bin/env bash"]
            + ExportText.header("TensorFlow MultiWorkerMirroredStrategy launch", plan: plan, format: .tensorflow)
        script += notes.map { "# Note: \($0)" }
        script += [
            "# Run on every worker host with WORKER_INDEX set "
                + "(\(workers.enumerated().map { "\(Quoting.comment($1.host))=\($0)" }.joined(separator: ", "))).",
            "# Replace train.py with your training script; arguments after ./launch.sh are passed to it.",
            "set -eo pipefail",
            workers.count > 1
                ? ": \"${WORKER_INDEX:?set WORKER_INDEX to the number of this worker, 0 to \(workers.count - 1)}\""
                : "WORKER_INDEX=\"${WORKER_INDEX:-0}\"",
            "TF_CONFIG=\"$(cat \"$(dirname \"$0\")/tf_config.worker-$WORKER_INDEX.json\")\"",
            "export TF_CONFIG",
            "python train.py \"$@\"",
        ]
        files.append(
            .init(name: "launch.sh", contents: Data((script.joined(separator: "\n") + "\n").utf8), executable: true))
        return LauncherExport(document: try ExportText.json(Document(workers: workers, notes: notes)), files: files)
    }

    private func notes() -> [String] {
        var notes = [
            "\(plan.nodes == 1 ? "the worker" : "each of the \(plan.nodes) workers") mirrors the model over its "
                + "\(plan.gpusPerNode) GPUs: \(plan.data) replicas in all",
            "batch: \(plan.microbatchSize) per replica per pass, so \(plan.microbatchSize * plan.data) across "
                + "replicas; the plan accumulates \(plan.microbatchCount) passes per optimizer step (Keras 3 "
                + "optimizers: gradient_accumulation_steps=\(plan.microbatchCount), "
                + "keras/src/optimizers/base_optimizer.py) for \(plan.globalBatch) sequences of "
                + "\(plan.sequenceLength) tokens",
        ]
        if hosts.arePlaceholders {
            notes.append(
                "node0, node1, ... stand for the worker host names: replace them, or re-export with --hosts; port "
                    + "\(Self.port) is any free port"
            )
        }
        switch plan.precision {
        case .bf16: notes.append("bf16: keras.mixed_precision.set_global_policy(\"mixed_bfloat16\")")
        case .fp16:
            notes.append(
                "fp16: keras.mixed_precision.set_global_policy(\"mixed_float16\") (loss scaling is added by "
                    + "Model.compile)"
            )
        case .fp8:
            notes.append(
                "fp8: TensorFlow has no FP8 training path here; mixed_bfloat16 is the nearest, and slower than "
                    + "predicted"
            )
        default: break
        }
        switch plan.recompute {
        case .none: break
        case .selective: notes.append("selective recompute: wrap the attention core in tf.recompute_grad")
        case .full:
            notes.append(
                "full recompute: wrap \(plan.chunks[0].recomputedLayers) of the \(plan.layers) layers in "
                    + "tf.recompute_grad"
            )
        }
        if plan.zeroStage > 0 {
            notes.append(
                "the plan shards the optimizer (ZeRO \(plan.zeroStage)) but MultiWorkerMirroredStrategy replicates "
                    + "it, so each GPU needs more memory than predicted; check with `plan evaluate ... --zero 0`"
            )
        }
        return notes
    }
}
