import CostModel
import Foundation

/// `plan calibrate --emit-bench`: a short PyTorch script that measures what a hardware profile
/// states — GEMM throughput over the shapes a plan runs, HBM bandwidth, NCCL all-reduce and
/// all-gather bus bandwidth — for hardware nobody has published runs on. `plan calibrate
/// --from-bench RESULTS.json` turns its output into a profile (`MicrobenchResults`).
///
/// Bus bandwidth is nccl-tests' definition (nccl-tests doc/PERFORMANCE.md): for n ranks, all-reduce
/// moves 2(n−1)/n of the buffer over each rank's link, all-gather (n−1)/n, so busbw = algbw × that
/// factor, where algbw = bytes / seconds. It is comparable with a link's one-direction bandwidth.
package enum MicrobenchScript {
    /// One GEMM shape: (m × k) · (k × n).
    package struct Shape: Codable, Hashable, Sendable {
        package var m: Int, n: Int, k: Int
        package var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
    }

    /// The GEMMs of one transformer layer as `config` shards it (tokens = mbs × seq / cp; the QKV,
    /// attention output, MLP up/gate and down projections, each split over tp), then square GEMMs
    /// from 512 to 16384 so the fit sees the whole efficiency curve.
    package static func shapes(model: ModelDescription, config: ParallelConfiguration) -> [Shape] {
        let tokens = max(config.microbatchSize * config.sequenceLength / max(config.context, 1), 1)
        let h = model.hiddenSize, tp = max(config.tensor, 1)
        let qkv = (model.attentionHeads + 2 * model.keyValueHeads) * model.headDim
        let up = model.feedForward == .gated ? 2 * model.ffnHiddenSize : model.ffnHiddenSize
        var shapes = [
            Shape(m: tokens, n: max(qkv / tp, 1), k: h),
            Shape(m: tokens, n: h, k: max(model.attentionHeads * model.headDim / tp, 1)),
            Shape(m: tokens, n: max(up / tp, 1), k: h),
            Shape(m: tokens, n: h, k: max(model.ffnHiddenSize / tp, 1)),
        ]
        for size in [512, 1024, 2048, 4096, 8192, 16384] { shapes.append(Shape(m: size, n: size, k: size)) }
        var seen = Set<Shape>()
        return shapes.filter { seen.insert($0).inserted }
    }

    /// The script, with `shapes` and `dtype` (bf16, fp16 or fp8 — fp8 through torch._scaled_mm where the
    /// device has it) written in.
    package static func text(shapes: [Shape], dtype: Precision, origin: String) -> String {
        let list = shapes.map { "(\($0.m), \($0.n), \($0.k))" }.joined(separator: ", ")
        return """
            #!/usr/bin/env python3
            # Microbenchmark for `plan calibrate --from-bench` (written by plan calibrate --emit-bench for \
            \(Quoting.comment(origin))).
            # PyTorch only. One GPU:    python3 plan-bench.py --out results.json
            # Collectives (a node, then several):
            #   torchrun --nproc-per-node 8 plan-bench.py --collectives --out results-nccl.json
            #   torchrun --nnodes 2 --nproc-per-node 8 --rdzv-endpoint HOST:29500 plan-bench.py --collectives \
            --out results-2n.json
            # Bus bandwidth as nccl-tests defines it: all-reduce 2(n-1)/n, all-gather (n-1)/n times bytes/seconds.
            import argparse, json, os, time
            import torch

            SHAPES = [\(list)]
            DTYPE = "\(dtype.rawValue)"

            def timed(fn, repeat):
                for _ in range(3):
                    fn()
                torch.cuda.synchronize()
                start = torch.cuda.Event(enable_timing=True); end = torch.cuda.Event(enable_timing=True)
                start.record()
                for _ in range(repeat):
                    fn()
                end.record(); torch.cuda.synchronize()
                return start.elapsed_time(end) / 1000 / repeat

            def gemms():
                out = []
                for m, n, k in SHAPES:
                    if DTYPE == "fp8" and hasattr(torch, "_scaled_mm"):
                        a = torch.randn(m, k, device="cuda").to(torch.float8_e4m3fn)
                        b = torch.randn(n, k, device="cuda").to(torch.float8_e4m3fn).t()
                        one = torch.tensor(1.0, device="cuda")
                        fn = lambda: torch._scaled_mm(a, b, scale_a=one, scale_b=one, out_dtype=torch.bfloat16)
                    else:
                        dt = torch.float16 if DTYPE == "fp16" else torch.bfloat16
                        a = torch.randn(m, k, device="cuda", dtype=dt); b = torch.randn(k, n, device="cuda", dtype=dt)
                        fn = lambda: a @ b
                    flops = 2.0 * m * n * k
                    seconds = timed(fn, max(3, min(200, int(2e13 / flops))))
                    out.append({"m": m, "n": n, "k": k, "seconds": seconds, "tflops": flops / seconds / 1e12})
                return out

            def hbm():
                x = torch.empty(1 << 30, dtype=torch.uint8, device="cuda"); y = torch.empty_like(x)
                seconds = timed(lambda: y.copy_(x), 20)
                return {"bytes": 2 * x.numel(), "seconds": seconds, "GBps": 2 * x.numel() / seconds / 1e9}

            def collectives():
                import torch.distributed as dist
                dist.init_process_group("nccl")
                rank, n = dist.get_rank(), dist.get_world_size()
                torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))
                local = int(os.environ.get("LOCAL_WORLD_SIZE", n))
                rows = []
                for size in [1 << 20, 16 << 20, 128 << 20, 1 << 30]:
                    buf = torch.empty(size // 2, dtype=torch.bfloat16, device="cuda")
                    ar = timed(lambda: dist.all_reduce(buf), 10)
                    parts = torch.empty(size // 2 // n * n, dtype=torch.bfloat16, device="cuda")
                    part = parts[: parts.numel() // n]
                    ag = timed(lambda: dist.all_gather_into_tensor(parts, part), 10)
                    rows.append({"bytes": size, "ranks": n, "ranksPerNode": local,
                                 "allReduceBusGBps": size / ar / 1e9 * 2 * (n - 1) / n,
                                 "allGatherBusGBps": parts.numel() * 2 / ag / 1e9 * (n - 1) / n})
                dist.destroy_process_group()
                return rows if rank == 0 else None

            if __name__ == "__main__":
                parser = argparse.ArgumentParser()
                parser.add_argument("--out", default="results.json")
                parser.add_argument("--collectives", action="store_true")
                args = parser.parse_args()
                results = {"device": torch.cuda.get_device_name(), "torch": torch.__version__, "dtype": DTYPE}
                if args.collectives:
                    rows = collectives()
                    if rows is None:
                        raise SystemExit(0)
                    results["collectives"] = rows
                else:
                    results["gemm"] = gemms(); results["hbm"] = hbm()
                with open(args.out, "w") as f:
                    json.dump(results, f, indent=1)
                print("wrote", args.out)

            """
    }
}
