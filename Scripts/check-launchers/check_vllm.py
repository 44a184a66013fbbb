"""vLLM part of make check-launchers, in its own environment (.venv-launchers-vllm: vllm 0.33.0 without its
CUDA dependencies, torch CPU, VLLM_TARGET_DEVICE=cpu). Every `vllm serve` line an inference plan's export runs
goes through vLLM's own make_arg_parser (vllm/entrypoints/common/cli_args.py) and AsyncEngineArgs.from_cli_args,
and must carry the plan's degrees and batch. Prints result lines as check.py does; writes vllm-0.33.0.txt."""
import json
import os
import subprocess
import sys
import tempfile
import warnings
from importlib import metadata

warnings.filterwarnings("ignore")
WORK, FIXTURES = sys.argv[1], sys.argv[2]


def serve_lines(script):
    """Every vllm invocation of the script, through a stand-in that appends its arguments."""
    with tempfile.TemporaryDirectory() as bin_dir:
        capture = os.path.join(bin_dir, "calls.jsonl")
        with open(os.path.join(bin_dir, "vllm"), "w") as f:
            f.write(f"#!{sys.executable}\nimport json, sys\n"
                    f"open({capture!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n")
        os.chmod(os.path.join(bin_dir, "vllm"), 0o755)
        # Multi-node replicas start a Ray cluster and wait for its GPUs first: stand-ins that succeed at once.
        for program in ("ray", "python3"):
            with open(os.path.join(bin_dir, program), "w") as f:
                f.write("#!/bin/sh\nexit 0\n")
            os.chmod(os.path.join(bin_dir, program), 0o755)
        env = dict(os.environ, PATH=bin_dir + ":" + os.environ["PATH"], NODE_RANK="0")
        subprocess.run(["bash", script], env=env, check=True, capture_output=True, cwd=bin_dir)
        return [json.loads(line) for line in open(capture)]


def main():
    from vllm.engine.arg_utils import AsyncEngineArgs
    from vllm.entrypoints.common.cli_args import make_arg_parser
    from vllm.utils.argparse_utils import FlexibleArgumentParser

    parser = make_arg_parser(FlexibleArgumentParser())
    print(f"vllm {metadata.version('vllm')} (no CUDA dependencies), torch {metadata.version('torch')}")
    failed = 0
    for file in sorted(os.listdir(WORK)):
        if not file.endswith(".json"):
            continue
        name = file[:-5]
        plan = json.load(open(os.path.join(WORK, file)))
        if plan["workload"]["mode"] != "inference":
            continue
        problems, details = [], []
        replicas = plan["serving"]["replicas"]
        for words in serve_lines(os.path.join(WORK, name, "vllm", "launch.sh")):
            args = parser.parse_args(words[1:])
            engine = AsyncEngineArgs.from_cli_args(args)
            match = [r for r in replicas if (r["tensor"], r["pipeline"], r["batchSize"])
                     == (engine.tensor_parallel_size, engine.pipeline_parallel_size, engine.max_num_seqs)]
            if not match:
                problems.append(f"serve tp {engine.tensor_parallel_size} pp {engine.pipeline_parallel_size} "
                                f"batch {engine.max_num_seqs} is no planned replica")
            details.append(f"{args.model_tag} tp {engine.tensor_parallel_size} pp {engine.pipeline_parallel_size} "
                           f"dp {engine.data_parallel_size} max_num_seqs {engine.max_num_seqs}")
        status = "FAILED" if problems else "ok"
        failed += bool(problems)
        print(f"{name:<16} {'vllm':<10}  {status:<8}  make_arg_parser + AsyncEngineArgs: "
              + ("; ".join(problems) or "; ".join(details))[:200])
    options = sorted({o for action in parser._actions for o in action.option_strings})
    with open(os.path.join(FIXTURES, "vllm-0.33.0.txt"), "w") as f:
        f.write(f"# vllm {metadata.version('vllm')} vllm/entrypoints/common/cli_args.py make_arg_parser (vllm serve): "
                "every option string.\n# Written by make check-launchers.\n" + "".join(o + "\n" for o in options))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
