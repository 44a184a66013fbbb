import Foundation

/// pipeline_module.py for a DeepSpeed pipeline plan: the explicit topology with the tensor axis and
/// a `PipelineModule` whose stages hold exactly the planned layers.
///
/// deepspeed 0.19.8 deepspeed/runtime/pipe/module.py: without `topology`, PipelineModule makes
/// `PipeDataParallelTopology(num_pp, num_dp = world / num_pp)`, so tensor-parallel ranks count as data
/// parallel and the batch assertion (train_batch = micro × accumulation × dp) fails; given
/// `PipeModelDataParallelTopology(num_pp, num_mp, num_dp)` (deepspeed/runtime/pipe/topology.py) dp is
/// the plan's. `partition_method` takes "uniform", "parameters" or "type:REGEX", which balance counts
/// and cannot name an uneven split, so `_partition_layers` is overridden with the planned boundaries
/// (`self.parts`, then `_set_bounds`, as the method itself ends).
enum DeepSpeedPipelineModule {
    static func source(_ plan: LaunchPlan) -> String {
        let counts = plan.layerCounts
        var parts = [0]
        for (c, count) in counts.enumerated() {
            // Layer specs: [embedding, layer 0 … layer L−1, output head]; stage 0 starts with the embedding
            // and the last ends with the head.
            parts.append(parts[c] + count + (c == 0 ? 1 : 0) + (c == counts.count - 1 ? 1 : 0))
        }
        let interval = plan.recompute == .full && plan.chunks.contains(where: { $0.recomputedLayers > 0 }) ? 1 : 0
        let model = Quoting.comment(plan.modelName)
        return """
            # DeepSpeed PipelineModule for \(model) as planned: \(plan.pipeline) stages of \
            \(counts.map(String.init).joined(separator: ", ")) layers,
            # tensor \(plan.tensor) × data \(plan.data).
            # For deepspeed 0.19.x (deepspeed/runtime/pipe/module.py, topology.py).
            # Written by `plan export --to deepspeed`; the layers, loss and data are yours: call build(...) with
            # your embedding, decoder-layer and head LayerSpecs and pass the module to deepspeed.initialize.
            from deepspeed.pipe import PipelineModule
            from deepspeed.runtime.pipe.topology import PipeModelDataParallelTopology

            PIPELINE, TENSOR, DATA = \(plan.pipeline), \(plan.tensor), \(plan.data)
            LAYERS_PER_STAGE = [\(counts.map(String.init).joined(separator: ", "))]
            # Index of the first layer spec of each stage, and the end ([embedding, \(plan.layers) layers, head]).
            PARTS = [\(parts.map(String.init).joined(separator: ", "))]
            # 1: every layer of every stage recomputed (the plan's recompute \(plan.recompute.rawValue)); 0: none.
            ACTIVATION_CHECKPOINT_INTERVAL = \(interval)


            def topology():
                \"\"\"Pipeline × tensor × data: DeepSpeed's data-parallel size is then the plan's \(plan.data).\"\"\"
                return PipeModelDataParallelTopology(num_pp=PIPELINE, num_mp=TENSOR, num_dp=DATA)


            class PlannedPipelineModule(PipelineModule):
                \"\"\"PipelineModule with the planned stage boundaries instead of a balanced partition.\"\"\"

                def _partition_layers(self, method="uniform"):
                    if len(self._layer_specs) != PARTS[-1]:
                        got = len(self._layer_specs)
                        raise ValueError(f"expected {PARTS[-1]} layer specs (embedding, layers, head), got {got}")
                    self.parts = list(PARTS)
                    stage_id = self._topo.get_coord(self.global_rank).pipe
                    self._set_bounds(start=self.parts[stage_id], stop=self.parts[stage_id + 1])


            def build(embedding, layers, head, loss_fn):
                \"\"\"Embedding, \(plan.layers) decoder layers and head (LayerSpecs) as one pipeline module.\"\"\"
                return PlannedPipelineModule(
                    layers=[embedding, *layers, head],
                    topology=topology(),
                    loss_fn=loss_fn,
                    activation_checkpoint_interval=ACTIVATION_CHECKPOINT_INTERVAL,
                )

            """
    }
}
