"""Writes the sample training logs of this folder: Megatron-LM and torchtitan log formats, copied
from their printing code (megatron/training/arguments.py _print_args, training.py training_log;
torchtitan train.py and components/metrics.py), with numbers of our own choosing (not measurements).
Run from this folder: python3 make-logs.py"""


def megatron(name, tp, pp, mbs, gbs, ms_list, recompute='None', method='None', layers='None'):
    dp = 8 // (tp * pp)
    args = {
        'accumulate_allreduce_grads_in_fp32': 'False', 'add_bias_linear': 'False', 'add_qkv_bias': 'False',
        'attention_dropout': '0.0', 'bf16': 'True', 'clip_grad': '1.0', 'context_parallel_size': '1',
        'data_parallel_size': str(dp), 'disable_bias_linear': 'True', 'expert_model_parallel_size': '1',
        'ffn_hidden_size': '14336', 'fp16': 'False', 'fp8': 'None', 'global_batch_size': str(gbs),
        'group_query_attention': 'True', 'hidden_dropout': '0.0', 'hidden_size': '4096', 'kv_channels': '128',
        'log_interval': '10', 'log_throughput': 'True', 'lr': '0.0003', 'max_position_embeddings': '8192',
        'micro_batch_size': str(mbs), 'normalization': 'RMSNorm', 'num_attention_heads': '32', 'num_experts': 'None',
        'num_layers': '32', 'num_layers_per_virtual_pipeline_stage': 'None', 'num_query_groups': '8',
        'overlap_grad_reduce': 'True', 'overlap_param_gather': 'True', 'padded_vocab_size': '128256',
        'pipeline_model_parallel_size': str(pp), 'position_embedding_type': 'rope', 'recompute_granularity': recompute,
        'recompute_method': method, 'recompute_num_layers': layers, 'rotary_base': '500000', 'seq_length': '8192',
        'sequence_parallel': 'True' if tp > 1 else 'False', 'swiglu': 'True', 'tensor_model_parallel_size': str(tp),
        'tokenizer_type': 'HuggingFaceTokenizer', 'train_iters': '60', 'transformer_impl': 'transformer_engine',
        'untie_embeddings_and_output_weights': 'True', 'use_distributed_optimizer': 'True', 'use_flash_attn': 'False',
        'vocab_size': 'None', 'world_size': '8',
    }
    lines = ['using world size: 8, data-parallel size: %d, context-parallel size: 1, tensor-model-parallel size: '
             '%d, pipeline-model-parallel size: %d' % (dp, tp, pp)]
    lines.append('------------------------ arguments ------------------------')
    for k in sorted(args, key=str.lower):
        lines.append('  %s %s %s' % (k, '.' * (48 - len(k)), args[k]))
    lines.append('-------------------- end of arguments ---------------------')
    lines += ['> building HuggingFaceTokenizer tokenizer ...', '> initializing torch distributed ...',
              '[after dataloaders are built] datetime: 2026-11-20 09:14:02', 'training ...']
    flops_per_it = (6 * 8.03e9 + 12 * 32 * 4096 * 8192) * gbs * 8192
    for i, ms in enumerate(ms_list):
        it = (i + 1) * 10
        lines.append(
            ' [2026-11-20 09:%02d:%02d] iteration %8d/%8d | consumed samples: %12d | elapsed time per iteration (ms): '
            '%.1f | throughput per GPU (TFLOP/s/GPU): %.1f | learning rate: %.6E | global batch size: %5d | lm loss: '
            '%.6E | loss scale: 1.0 | grad norm: %.3f | number of skipped iterations:   0 | number of nan '
            'iterations:   0 |' % (15 + i * 2, (i * 37) % 60, it, 60, it * gbs, ms, flops_per_it / (ms / 1000) / 8 / 1e12,
                                   3e-4 * min(1, it / 20), gbs, 9.5 - i * 0.3, 1.2 - i * 0.05))
    open(name, 'w').write('\n'.join(lines) + '\n')


megatron('megatron-llama3-8b-tp1-mbs1.log', 1, 1, 1, 128, [22310.5, 19640.2, 19512.8, 19577.1, 19498.3, 19541.0],
         recompute='full', method='uniform', layers='1')
megatron('megatron-llama3-8b-tp2-mbs1.log', 2, 1, 1, 128, [18640.9, 16380.4, 16295.7, 16322.1, 16270.8, 16301.5])
megatron('megatron-llama3-8b-tp2-mbs2.log', 2, 1, 2, 128, [18210.4, 16030.1, 15870.6, 15902.3, 15851.7, 15889.0])
megatron('megatron-llama3-8b-tp4-pp2-mbs1.log', 4, 2, 1, 128, [21400.2, 18920.5, 18770.8, 18810.3, 18745.1, 18790.6])

lines = [
    "[rank0]:[titan] 2026-11-21 14:02:11,201 - root - INFO - Starting job: Llama 3 8B training",
    "[rank0]:[titan] 2026-11-21 14:02:12,480 - root - INFO - Building 1-D device mesh with ['dp_shard'], [8]",
    "[rank0]:[titan] 2026-11-21 14:02:13,902 - root - INFO - Building llama3 8B with TransformerModelArgs(dim=4096, "
    "n_layers=32, n_heads=32, n_kv_heads=8, vocab_size=128256, multiple_of=1024, ffn_dim_multiplier=1.3, "
    "norm_eps=1e-05, rope_theta=500000, max_seq_len=8192)",
    "[rank0]:[titan] 2026-11-21 14:02:20,117 - root - INFO - Applied FSDP to the model",
    "[rank0]:[titan] 2026-11-21 14:02:21,554 - root - INFO - Trainer is initialized with local batch size 1, global "
    "batch size 8, gradient accumulation steps 1, sequence length 8192, total steps 60 (warmup 10)",
    "[rank0]:[titan] 2026-11-21 14:02:21,555 - root - INFO - Training starts at step 1",
]
for i, (tps, gib) in enumerate(zip([812, 6480, 6528, 6511, 6534, 6502, 6519],
                                   [44.21, 63.40, 63.42, 63.42, 63.42, 63.42, 63.42])):
    lines.append(
        '[rank0]:[titan] 2026-11-21 14:%02d:%02d,%03d - root - INFO - \x1b[31mstep: %2d  \x1b[32mloss:  %.4f  '
        '\x1b[38;2;180;60;0mgrad_norm:  %.4f  \x1b[38;2;54;234;195mmemory: %.2fGiB(%.2f%%)  \x1b[34mtps: %s  '
        '\x1b[36mtflops: %.2f  \x1b[35mmfu: %.2f%%\x1b[39m'
        % (3 + i, (i * 13) % 60, i * 7 % 1000, 1 if i == 0 else i * 10, 12.2 - i * 0.4, 4.1 - i * 0.3, gib,
           gib / 80 * 100, format(tps, ','), tps * 6 * 8.03e9 * 1.2 / 1e12, tps * 6 * 8.03e9 * 1.2 / 989e12 * 100))
open('torchtitan-llama3-8b-fsdp.log', 'w').write('\n'.join(lines) + '\n')
