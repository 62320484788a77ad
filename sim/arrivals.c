#include "sim/arrivals.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "sim/mem.h"
#include "sim/rng.h"
#include "sim/units.h"

static const char *const arrivals_process_names[] = {"poisson", "gamma"};
#define ARRIVALS_NPROCESS \
    (sizeof arrivals_process_names / sizeof arrivals_process_names[0])

struct arrivals {
    const struct arrivals_spec *spec; /* borrowed */
    gsl_rng *r;                       /* borrowed */
    double t;                         /* time of the last arrival */
    double gamma_shape, gamma_scale;  /* gamma renewal parameters */
};

/* rate and volume are one quantity; exactly one must be given. */
static int arrivals_parse_rate(const struct cfg_node *node, const char *where,
                               struct arrivals_spec *spec, struct diag *d)
{
    int has_rate = cfg_get(node, "rate") != NULL;
    int has_volume = cfg_get(node, "volume") != NULL;

    if (has_rate && has_volume) {
        diag_error(d, cfg_key_pos(node, "volume"),
                   "give either 'rate' or 'volume' in %s, not both", where);
        return -1;
    }
    if (!has_rate && !has_volume) {
        diag_error(d, &node->pos,
                   "missing required key 'volume' (or 'rate') in %s", where);
        return -1;
    }
    return cfg_get_rate(node, has_rate ? "rate" : "volume", where,
                        CFG_REQUIRED | CFG_POSITIVE, &spec->rate, d);
}

int arrivals_parse(const struct cfg_node *node, const char *where,
                   struct arrivals_spec *spec, struct diag *d)
{
    static const char *const keys_poisson[] = {"process", "rate", "volume"};
    static const char *const keys_gamma[] = {"process", "rate", "volume",
                                             "cv"};
    int process = ARRIVALS_POISSON, bad = 0;

    memset(spec, 0, sizeof *spec);
    if (cfg_expect(node, CFG_MAP, where, d) != 0)
        return -1;
    if (cfg_get_enum(node, "process", where, CFG_REQUIRED,
                     arrivals_process_names, ARRIVALS_NPROCESS, &process,
                     d) < 0)
        return -1;
    spec->process = (enum arrivals_process)process;
    switch (spec->process) {
    case ARRIVALS_POISSON:
        bad |= cfg_check_keys(node, where, keys_poisson, 3, d) != 0;
        break;
    case ARRIVALS_GAMMA:
        bad |= cfg_check_keys(node, where, keys_gamma, 4, d) != 0;
        bad |= cfg_get_number(node, "cv", where, CFG_REQUIRED | CFG_POSITIVE,
                              &spec->cv, d) < 0;
        break;
    }
    bad |= arrivals_parse_rate(node, where, spec, d) != 0;
    return bad ? -1 : 0;
}

void arrivals_spec_fini(struct arrivals_spec *spec)
{
    (void)spec;
}

int arrivals_spec_copy(struct arrivals_spec *dst,
                       const struct arrivals_spec *src)
{
    *dst = *src;
    return 0;
}

double arrivals_mean_rate(const struct arrivals_spec *spec)
{
    return spec->rate;
}

const char *arrivals_describe(const struct arrivals_spec *spec, char *buf,
                              size_t size)
{
    double per_month = spec->rate * UNITS_MONTH;

    switch (spec->process) {
    case ARRIVALS_POISSON:
        snprintf(buf, size, "poisson, %.4g/s (%.4g/month)", spec->rate,
                 per_month);
        break;
    case ARRIVALS_GAMMA:
        snprintf(buf, size, "gamma renewal, %.4g/s (%.4g/month), cv %.3g",
                 spec->rate, per_month, spec->cv);
        break;
    }
    return buf;
}

struct arrivals *arrivals_new(const struct arrivals_spec *spec, gsl_rng *r,
                              struct diag *d, int *status)
{
    struct arrivals *a = mem_calloc(1, sizeof *a);

    (void)d;
    if (!a) {
        *status = SLM_ENOMEM;
        return NULL;
    }
    a->spec = spec;
    a->r = r;
    /* Gamma inter-arrivals with mean 1/rate and the given cv:
     * shape k = 1/cv^2, scale = mean/k. */
    if (spec->process == ARRIVALS_GAMMA) {
        a->gamma_shape = 1.0 / (spec->cv * spec->cv);
        a->gamma_scale = (1.0 / spec->rate) / a->gamma_shape;
    }
    *status = SLM_OK;
    return a;
}

void arrivals_free(struct arrivals *a)
{
    mem_free(a);
}

int arrivals_next(struct arrivals *a, struct arrival *out)
{
    double gap = 0.0;

    switch (a->spec->process) {
    case ARRIVALS_POISSON:
        gap = gsl_ran_exponential(a->r, 1.0 / a->spec->rate);
        break;
    case ARRIVALS_GAMMA:
        gap = gsl_ran_gamma(a->r, a->gamma_shape, a->gamma_scale);
        break;
    }
    a->t += gap;
    out->t = a->t;
    out->has_tokens = 0;
    out->input_tokens = out->output_tokens = 0;
    out->task = -1;
    return 0;
}
