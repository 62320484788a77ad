/*
 * serve_toy: the round-number replica the serve-model tests check hand
 * values against (tests/test_gpu.c, tests/test_prefix.c): weights read
 * in 10 ms (1 GB at 100 GB/s), 1 us per token of context read, 1 ms of
 * compute per token, 1 ms overhead; 16-token blocks, batches of 8.
 */
#ifndef SLM_SERVE_TOY_H
#define SLM_SERVE_TOY_H

#include <string.h>

#include "models/serve.h"

static inline struct serve_params serve_toy_params(long kv_blocks)
{
    struct serve_params p;
    memset(&p, 0, sizeof p);
    p.model.weight_read = 1e9;
    p.model.flops_per_token = 1e10;
    p.model.kv_per_token = 1e5;
    p.model.layers = 2;
    p.model.hidden = 1000;
    p.perf.bandwidth = 1e11;
    p.perf.flops = 1e13;
    p.perf.overhead = 1e-3;
    p.perf.tp = 1;
    p.max_batch = 8;
    p.max_batched = 4096;
    p.block_tokens = 16;
    p.kv_blocks = kv_blocks;
    return p;
}

#endif
