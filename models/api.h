/*
 * api: a cloud LLM API behind rate limits, with retries and outages.
 *
 *   api:
 *     kind: api
 *     preset: gpt-4            # optional; any field below overrides it
 *     tier: 5                  # usage tier of the preset's rate limits
 *     pricing: {input_per_1m: 30, output_per_1m: 60, cached_input_per_1m: 15,
 *               cached_share: 0.0, per_request: 0}
 *     limits: {rpm: 10000, tpm: 300000, concurrency: 0, max_tokens: 0}
 *     latency: {ttft: {dist: lognormal, median: 590ms, p99: 3s},
 *               tokens_per_s: {dist: lognormal, mean: 19.2, cv: 0.2}}
 *     availability: 0.9987
 *     mean_outage: 6h15m
 *     outages: [{start: 10h, duration: 4h22m}]
 *     error_latency: 0s
 *     retry: {max: 6, base: 1s, cap: 60s, multiplier: 2, jitter: full}
 *     prompting: zero-shot     # or few-shot: which accuracy column applies
 *
 * An attempt is admitted when the endpoint is up, fewer than `concurrency`
 * requests are in service (0: no limit), and both token buckets hold enough:
 * one request from the requests-per-minute bucket and input + max output
 * tokens (max_tokens, or the request's own output tokens when 0) from the
 * tokens-per-minute bucket, as providers count them.  Each bucket holds at
 * most one minute's allowance and refills continuously at limit/60 per
 * second.  A refused attempt is a 429; during an outage an attempt fails
 * after error_latency with a 5xx.  Either is retried after a backoff
 * (api_backoff) until `max` attempts in all, then the request fails and is
 * counted.  A request whose tokens exceed the whole TPM allowance can never
 * pass and is rejected at once (counted as rejected).
 *
 * An admitted attempt takes TTFT (a draw from latency.ttft, stream
 * "backend.NAME.latency") plus output tokens / a decode-rate draw (tokens per
 * second, same stream).  Backoff jitter uses "backend.NAME.retry", outages
 * "backend.NAME.outages".  Only admitted, completed attempts are billed:
 *   dollars = input (1 - cached_share) input_per_1m / 1e6
 *           + input cached_share cached_input_per_1m / 1e6
 *           + output output_per_1m / 1e6 + per_request.
 *
 * Figures (requests that arrived in the measurement window): attempts,
 * rate_limited (429s), server_errors (5xx), retries, failed, rejected,
 * availability (share of the window up), outages (down periods begun),
 * concurrency.mean, and billed.{requests, input_tokens,
 * cached_input_tokens, output_tokens, dollars}, totals per replication
 * (the cost model prices the API side from these).
 */
#ifndef SLM_API_H
#define SLM_API_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "models/backend.h"
#include "models/outage.h"
#include "sim/dist.h"

enum api_jitter { API_JITTER_NONE, API_JITTER_FULL, API_JITTER_EQUAL };
enum api_prompting { API_ZERO_SHOT, API_FEW_SHOT };

#define API_MAX_ATTEMPTS 100

struct api_retry {
    long max;          /* attempts in all, 1..API_MAX_ATTEMPTS */
    double base;       /* s, first backoff before jitter */
    double cap;        /* s, largest backoff before jitter */
    double multiplier; /* >= 1, growth per retry */
    enum api_jitter jitter;
};

struct api_cfg {
    const char *preset;     /* static name, NULL without a preset */
    int tier;               /* 1..5, 0 when the preset is not used */
    int tier_defaulted;     /* tier came from the default */
    double input_per_1m;    /* dollars per 1M input tokens */
    double output_per_1m;   /* dollars per 1M output tokens */
    double cached_input_per_1m; /* dollars per 1M cached input tokens */
    double cached_share;    /* share of input tokens billed as cached */
    double per_request;     /* dollars per billed request */
    double rpm;             /* requests per minute; 0: no limit */
    double tpm;             /* tokens per minute; 0: no limit */
    long concurrency;       /* requests in service at once; 0: no limit */
    long max_tokens;        /* max output tokens counted; 0: the request's */
    struct dist ttft;       /* s */
    struct dist tokens_per_s; /* decode rate, tokens per second */
    double error_latency;   /* s before a 5xx during an outage */
    struct api_retry retry;
    struct outage_spec outage;
    enum api_prompting prompting;
};

extern const struct backend_kind api_kind;

/* ---- presets ---- */


/* Fills c with preset name at tier (1..5; 0 for the default tier, 5).
 * Returns 0, or -1 when name is unknown or the preset has no figures for
 * that tier. */
int api_preset_apply(struct api_cfg *c, const char *name, int tier);

/* ---- the pieces, exposed for tests ---- */

/* A token bucket that refills continuously: at most capacity tokens, rate
 * tokens per second.  Starts full. */
struct api_bucket {
    double capacity; /* tokens; <= 0: no limit */
    double rate;     /* tokens per second */
    double level;    /* tokens held at time last */
    double last;     /* s */
};

void api_bucket_init(struct api_bucket *b, double per_minute);
/* 1 when n tokens are there at now (after refilling); takes nothing. */
int api_bucket_has(struct api_bucket *b, double now, double n);
void api_bucket_take(struct api_bucket *b, double n);

/* The wait before retry k (k = 1 after the first failed attempt), s:
 *   d = min(cap, base multiplier^(k-1))
 *   none: d;  full: U(0, d);  equal: d/2 + U(0, d/2)
 * (jitter as in "Exponential Backoff and Jitter", AWS Architecture Blog,
 * 2015).  r may be NULL for jitter none. */
double api_backoff(const struct api_retry *rt, unsigned k, gsl_rng *r);

/* Dollars billed for one completed attempt of in/out tokens. */
double api_price(const struct api_cfg *c, double in, double out);

#endif
