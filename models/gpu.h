/*
 * gpu: the local serving backend (kind "gpu"): a pool of replicas of one
 * model on one kind of GPU, behind a load balancer, that fail and return.
 *
 *   local:
 *     kind: gpu
 *     gpu: L40S                    # catalog name (slmsim catalog gpus),
 *                                  # or a mapping (below)
 *     count: 1                     # replicas
 *     tensor_parallel: 1           # GPUs per replica
 *     model: llama-3-8b            # catalog name, or a mapping (below)
 *     quant: int4                  # fp16 | fp8 | int8 | int4 | fp4
 *     int4_kernel: marlin          # marlin | awq | gptq-exllama (int4;
 *                                  # default marlin, awq on Turing)
 *     kv_cache: fp16               # fp16 | fp8
 *     serving: {engine: vllm,      # vllm | trtllm | sglang: the defaults
 *               max_batch: 256, chunked_prefill: 2048, block_tokens: 16,
 *               max_batched_tokens: 2048, gpu_memory_utilization: 0.9,
 *               activation_reserve: 2GB, exact_steps: false,
 *               preemption: recompute,     # recompute | never
 *               shared_prefix: {chat: 512},   # task: tokens
 *               frontend_latency: 0ms,     # the HTTP server's own time
 *               context_policy: reject}    # reject | truncate
 *     efficiency: {bandwidth: 0.8, compute: 0.45, overhead: 2ms,
 *                  jitter: {dist: gamma, cv: 0.05}, allreduce: 4us}
 *     calibration: calibrate/results/l40s-llama-3-8b-int4.yaml
 *     balancer: least-outstanding  # round-robin | least-outstanding |
 *                                  # join-shortest-queue
 *     failures: {mtbf: 2000h, mttr: 4h}
 *
 * An inline gpu takes name, memory (bytes: 48GB), bandwidth (bytes per
 * second as a number or "864GB" per second), flops_fp16, flops_fp8,
 * ops_int8, interconnect, tdp, idle_power, price (it exposes all its
 * memory, counts as Ampere for the efficiencies and as NVLink above 100
 * GB/s of interconnect, PCIe below); an inline model takes name, params,
 * layers, hidden, heads, kv_heads, head_dim, mlp, vocab, tied_embeddings,
 * context.  Required: memory, bandwidth, flops_fp16 and params, layers,
 * hidden, heads, kv_heads, context.
 *
 * Engine (serving.engine, default vllm) sets max_batch, the token budget
 * (chunked_prefill and max_batched_tokens), the memory rule, the block
 * size and preemption from that engine's documented defaults (sources in
 * models/gpu.c); every serving key given overrides its default.  vllm:
 * 1024 sequences and 8192 tokens a step on cards of 70 GiB or more that
 * are not A100s, else 256 and 2048, chunked prefill, cache = usable x 0.9
 * - weights - activations, recompute preemption.  trtllm: 2048 and 8192,
 * cache = 0.9 x (usable - weights - activations), 32-token blocks,
 * admission only of requests whose every token fits (never preempts).
 * sglang: 1024 and 8192, cache = usable x 0.88 - weights - activations,
 * recompute.  activation_reserve, when given, replaces the computed
 * activation/CUDA-graph/runtime term (models/gpu.c GPU_RUNTIME_BYTES).
 *
 * Prefix caching (serving.shared_prefix): the first N prompt tokens of
 * every request of a task are shared (a system prompt); a replica computes
 * them once, in whole KV blocks, and keeps them cached while it is up
 * (they count against its cache).  A task name the workload does not have
 * matches nothing (prefix.tasks_matched says how many did).  Requests
 * that carry a trace's block hashes (Mooncake hash_ids) go instead through
 * a per-replica block cache keyed by them (serving.prefix_caching, default
 * true as in vLLM, TensorRT-LLM and SGLang; models/prefix.h,
 * docs/prefix-caching.md): the leading resident run is not prefilled,
 * freed blocks stay cached until evicted least recently used.
 *
 * Step times: the effective bandwidth and FLOP/s are the datasheet's
 * times the efficiencies of the GPU's architecture and the weight format
 * (catalog_efficiency_default, a table with its sources; int4 times its
 * kernel family's factor), unless the scenario's efficiency: or a
 * calibration file gives them ("measured" when its source says so,
 * "derived" otherwise; the description says which).  The calibration
 * file's format (YAML) is models/calib.h's; docs/calibration.md.
 * Attention's products run at the rate of the KV cache's format (FP16,
 * or FP8 for an FP8 cache on FP8 tensor cores), not the weights'.
 *
 * Front end (serving.frontend_latency, default 0: not modelled): a fixed
 * time per request that the serving engine's HTTP server spends outside
 * the GPU (request handling, tokenisation, detokenising and streaming),
 * added to the request's first token and to its completion.  It holds no
 * batch slot and no GPU time, and it does not grow with load: a figure
 * measured on the user's own server at low load, not a model of it.
 * (A constant delay before the queue or after the last token gives the
 * same TTFT and e2e to every request of an open loop; it is charged on
 * the way out, where it cannot change the batch.)
 *
 * Context window: a request whose input + output tokens exceed the
 * model's window is rejected (context_policy: reject, the default; counted
 * as "rejected") or cut (truncate: the prompt keeps its last context - 1
 * tokens at most, and the answer stops at the window; counted as
 * "truncated").  A request the whole KV cache cannot hold is rejected.
 *
 * Tensor parallelism: weights, KV cache and the work of a step are split
 * evenly over the group; each step adds two ring all-reduces per layer of
 * the step's activations: 2 (tp - 1) hops, each the link type's hop
 * latency (efficiency.allreduce overrides it) plus 1/tp of the buffer over
 * the link's bus bandwidth (catalog_link_perf, sourced).
 *
 * Failures: each replica fails after an exponential time of mean mtbf and
 * comes back mttr later (fixed); what it held is retried on the replicas
 * that are up (counted in "retries"), or waits for the first to return.
 * Retried requests start over but keep their first t_start and
 * t_first_token.
 *
 * Time series: every instance keeps 1-minute buckets of arrivals (count),
 * queue length (sum over replicas), batch size (sum) and KV occupancy
 * (mean fraction over replicas), over the whole run (warm-up included),
 * for the report's plots: gpu_timeseries(), or handed over to the run by
 * the kind's extras hook (the snapshot is that struct tseries itself, so
 * run_backend.extras of a gpu backend reads as one) and written to
 * results.json as backends.NAME.timeseries.{width, t, arrivals, queue,
 * batch, kv}.
 *
 * Figures (collect): utilization (= busy: the share of time a step
 * runs, averaged over replicas; its meaning is unchanged), busy,
 * batch_occupancy (running sequences / max_batch, time-averaged, idle
 * time at 0), kv_occupancy (= kv.occupancy.mean), max_tokens_per_s (the
 * model's most output tokens/s at the workload's mean mix, all replicas),
 * token_utilization (generated tokens/s over max_tokens_per_s: the one
 * that reaches 1 at saturation, docs/internals/serve.md), batch.{mean,
 * max}, kv.occupancy.{mean, p99}, kv.capacity_tokens, preemptions,
 * tokens_per_s, prefill_tokens_per_s, rejected, truncated,
 * replica_failures, retries, steps, step_events, compute_bound_share,
 * replicas, gpus (replicas x tensor_parallel), calibration.measured,
 * makespan (s from the window's start to the last completion), and with
 * shared_prefix or a hash cache prefix.{by_hash, lookups, hits, hit_rate,
 * tokens_saved, prompt_tokens, token_share, tasks_matched}.
 * A request leaves the backend with x[0] set to the index of the replica
 * that finished it.
 */
#ifndef SLM_GPU_H
#define SLM_GPU_H

#include "models/backend.h"
#include "models/catalog.h"
#include "sim/tseries.h"

extern const struct backend_kind gpu_backend_kind;

/* The step cost beyond the rooflines without a calibration file, s: per
 * layer (efficiency.layer_overhead) and per step (efficiency.overhead);
 * the sources are in models/gpu.c. */
#define GPU_DEFAULT_LAYER_OVERHEAD 42e-6
#define GPU_DEFAULT_OVERHEAD 0.0

/* Replicas (count) of a configuration parsed by gpu_backend_kind.parse. */
long gpu_cfg_replicas(const void *cfg);
/* Its serving.frontend_latency, s (0: not modelled). */
double gpu_cfg_frontend(const void *cfg);
/* The GPU of such a configuration (catalog or inline figures, price and
 * watts included) and its tensor-parallel degree (*tp, GPUs per replica). */
const struct gpu_spec *gpu_cfg_hardware(const void *cfg, long *tp);

/* The series of an instance made by gpu_backend_kind.create (borrowed
 * until destroy; NULL once the extras hook has taken them, or in a run
 * whose sim_series is 0): arrivals, queue, batch, kv. */
const struct tseries *gpu_timeseries(const void *self);

/* What limits the pool most, from the figures of a finished run (the
 * kind's binding hook):
 * "kv-cache" (preemptions, or P99 occupancy above 90%), "batch-limit"
 * (mean batch at 90% of max_batch or more), "compute" (most busy time in
 * compute-bound steps) or "bandwidth".  Static string. */
const char *gpu_binding_constraint(const void *self);

#endif
