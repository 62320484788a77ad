/* slmsim catalog: the GPUs and models a scenario can name, with the
 * figures the simulator and the cost commands take from them and where
 * each comes from. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmd_catalog.h"
#include "cli/common.h"
#include "models/catalog.h"

static const char cmd_catalog_help[] =
    "usage: slmsim catalog [gpus|models]\n"
    "\n"
    "Prints the catalog (both parts without an argument): for each GPU its\n"
    "architecture, memory (datasheet GB and the GiB programs can use),\n"
    "bandwidth, dense tensor peaks per format, interconnect, TDP and idle\n"
    "power, list price and rental rate, each with its source and the\n"
    "fields no primary source confirmed; for each model its shape, context\n"
    "window and source.  Names match without regard to case in scenarios\n"
    "(backends.NAME.gpu, backends.NAME.model).\n"
    "\n";

struct catalog_opts {
    const char *part; /* "gpus", "models" or NULL: both */
};

/* No options but -h: the table is empty, the help comes from it alike. */
static const struct cli_args_spec catalog_args = {
    .cmd = "catalog",
    .help = cmd_catalog_help,
    .help_tail = "\nexit status: 0 success, 2 bad arguments\n",
    .path = offsetof(struct catalog_opts, part),
    .what = "part",
    .optional = 1,
};

#define TF(x) ((x) / 1e12)

static void catalog_print_gpu(const struct gpu_spec *g)
{
    printf("%s (%s)\n", g->name, catalog_arch_names[g->arch]);
    printf("  memory %.0f GB (%.2f GiB usable), %.0f GB/s\n", g->memory / 1e9,
           g->memory_usable / (1024.0 * 1024 * 1024), g->bandwidth / 1e9);
    printf("  dense TFLOPS: fp16 %.1f, fp8 %.1f, int8 %.1f, fp4 %.1f "
           "(0: none)\n",
           TF(g->flops_fp16), TF(g->flops_fp8), TF(g->ops_int8),
           TF(g->flops_fp4));
    printf("  interconnect %s, %.0f GB/s one way\n",
           catalog_link_names[g->link], g->interconnect / 1e9);
    printf("  power %.0f W TDP, %.0f W idle (assumed)\n", g->tdp,
           g->idle_power);
    printf("  price $%.0f (%s, %s); rent $%.3f/GPU-hour (%s)\n", g->price,
           g->price_source, g->price_date, g->rent_per_hour, g->rent_source);
    printf("  source: %s\n", g->source);
    if (g->unverified)
        printf("  unverified: %s\n", g->unverified);
}

static void catalog_print_model(const struct model_spec *m)
{
    printf("%s\n", m->name);
    printf("  %.2f B parameters", m->params / 1e9);
    if (m->active_params > 0)
        printf(" (%.2f B active: %d of %d experts per token)",
               m->active_params / 1e9, m->experts_active, m->experts);
    printf("; %d layers, hidden %d, heads %d/%d (kv), head_dim %d, mlp %d, "
           "vocab %d%s\n",
           m->layers, m->hidden, m->heads, m->kv_heads, m->head_dim, m->mlp,
           m->vocab, m->tied_embeddings ? ", tied embeddings" : "");
    printf("  context %d tokens", m->context);
    if (m->sliding_window > 0)
        printf("; sliding window %d on %.0f%% of layers", m->sliding_window,
               100.0 * m->sliding_share);
    printf("\n  source: %s\n", m->source);
}

int cmd_catalog(int argc, char **argv)
{
    struct catalog_opts o = {0};
    enum cli_args_status st = cli_args_parse(&catalog_args, argc, argv, &o);
    int gpus = 1, models = 1;

    if (st != CLI_ARGS_OK)
        return st == CLI_ARGS_HELP ? CLI_EXIT_OK : CLI_EXIT_INPUT;
    if (o.part) {
        if (!strcmp(o.part, "gpus")) {
            models = 0;
        } else if (!strcmp(o.part, "models")) {
            gpus = 0;
        } else {
            fprintf(stderr, "slmsim catalog: error: unknown part '%s' "
                            "(allowed: gpus, models)\n", o.part);
            return CLI_EXIT_INPUT;
        }
    }
    if (gpus) {
        printf("# GPUs (%zu)\n", catalog_gpu_count());
        for (size_t i = 0; i < catalog_gpu_count(); i++)
            catalog_print_gpu(catalog_gpu_at(i));
    }
    if (gpus && models)
        printf("\n");
    if (models) {
        printf("# models (%zu)\n", catalog_model_count());
        for (size_t i = 0; i < catalog_model_count(); i++)
            catalog_print_model(catalog_model_at(i));
    }
    return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
