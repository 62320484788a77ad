/* The table-driven option parser (cli/args.h). */
#include "cli/args.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CLI_ARGS_HELP_COLUMN 25 /* where the help text starts */

/* 1 when arg is the option spelled name, alone or as "name=VALUE". */
static int args_is(const char *arg, const char *name)
{
    size_t n = strlen(name);

    return !strncmp(arg, name, n) && (arg[n] == '\0' || arg[n] == '=');
}

static const struct cli_opt *args_find(const struct cli_args_spec *spec,
                                       const char *arg)
{
    size_t i;

    for (i = 0; i < spec->nopts; i++) {
        const struct cli_opt *o = &spec->opts[i];
        int long_match = o->kind == CLI_OPT_FLAG ? !strcmp(arg, o->name)
                                                 : args_is(arg, o->name);
        if (long_match ||
            (o->short_name && !strcmp(arg, o->short_name)))
            return o;
    }
    return NULL;
}

/* The value after "--name=" or in the next argument. */
static int args_value(const struct cli_opt *o, int argc, char **argv,
                      int *i, const char **out)
{
    const char *opt = argv[*i];
    const char *eq = strchr(opt, '=');

    if (!strncmp(opt, "--", 2) && eq) {
        *out = eq + 1;
        return 0;
    }
    if (*i + 1 >= argc) {
        if (o->missing)
            fprintf(stderr, "slmsim: error: %s\n", o->missing);
        else
            fprintf(stderr, "slmsim: error: option '%s' needs a value\n",
                    opt);
        return -1;
    }
    *out = argv[++*i];
    return 0;
}

int cli_args_check_whole(const char *opt, const char *v, double lo,
                         double hi)
{
    const char *eq = strchr(opt, '=');
    int len = eq ? (int)(eq - opt) : (int)strlen(opt);
    char *end = NULL;
    double x;

    errno = 0;
    x = strtod(v, &end);
    if (!*v || *end || errno || x != (double)(long long)x || x < lo ||
        x > hi) {
        fprintf(stderr, "slmsim: error: bad %.*s '%s' (a whole number from "
                        "%.0f to %.0f)\n", len, opt, v, lo, hi);
        return -1;
    }
    return 0;
}

static int args_take(const struct cli_opt *o, int argc, char **argv, int *i,
                     char *base)
{
    const char *opt = argv[*i];
    const char *v;

    if (o->kind == CLI_OPT_FLAG) {
        *(int *)(base + o->dest) = !o->off;
        return 0;
    }
    if (args_value(o, argc, argv, i, &v))
        return -1;
    if (o->kind == CLI_OPT_INT && cli_args_check_whole(opt, v, o->lo, o->hi))
        return -1;
    if (o->check && o->check(opt, v))
        return -1;
    if (o->parse)
        return o->parse(opt, v, base + o->dest);
    if (o->kind == CLI_OPT_REPEAT) {
        size_t *n = (size_t *)(base + o->count);
        if (*n == o->max) {
            fprintf(stderr, "slmsim: error: too many %s options (limit "
                            "%zu)\n", o->name, o->max);
            return -1;
        }
        ((const char **)(base + o->dest))[(*n)++] = v;
        return 0;
    }
    *(const char **)(base + o->dest) = v;
    return 0;
}

enum cli_args_status cli_args_parse(const struct cli_args_spec *spec,
                                    int argc, char **argv, void *base)
{
    const char **path = (const char **)((char *)base + spec->path);
    int i;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const struct cli_opt *o;

        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            cli_args_print_help(spec, stdout);
            return CLI_ARGS_HELP;
        }
        o = args_find(spec, a);
        if (o) {
            if (args_take(o, argc, argv, &i, base))
                return CLI_ARGS_ERROR;
            continue;
        }
        if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "slmsim %s: error: unknown option '%s' (see "
                            "slmsim %s --help)\n", spec->cmd, a, spec->cmd);
            return CLI_ARGS_ERROR;
        }
        if (*path) {
            fprintf(stderr, "slmsim %s: error: one scenario at a time, got "
                            "'%s' and '%s'\n", spec->cmd, *path, a);
            return CLI_ARGS_ERROR;
        }
        *path = a;
    }
    if (!*path) {
        fprintf(stderr, "slmsim %s: error: no scenario file (see slmsim %s "
                        "--help)\n", spec->cmd, spec->cmd);
        return CLI_ARGS_ERROR;
    }
    return CLI_ARGS_OK;
}

/* "  -s, --set KEY=VALUE   text", continuation lines indented alike. */
static void args_help_line(FILE *f, const char *left, const char *help)
{
    int n = fprintf(f, "  %s", left);

    if (n + 1 > CLI_ARGS_HELP_COLUMN) {
        fputc('\n', f);
        n = 0;
    }
    fprintf(f, "%*s", CLI_ARGS_HELP_COLUMN - n, "");
    for (; *help; help++) {
        fputc(*help, f);
        if (*help == '\n')
            fprintf(f, "%*s", CLI_ARGS_HELP_COLUMN, "");
    }
    fputc('\n', f);
}

void cli_args_print_help(const struct cli_args_spec *spec, FILE *f)
{
    size_t i;

    fputs(spec->help, f);
    fputs("options:\n", f);
    for (i = 0; i < spec->nopts; i++) {
        const struct cli_opt *o = &spec->opts[i];
        char left[128];

        snprintf(left, sizeof left, "%s%s%s%s%s",
                 o->short_name ? o->short_name : "",
                 o->short_name ? ", " : "", o->name,
                 o->metavar ? " " : "", o->metavar ? o->metavar : "");
        args_help_line(f, left, o->help);
    }
    args_help_line(f, "-h, --help", "this help");
    fputs(spec->help_tail ? spec->help_tail : "", f);
}

int cli_args_check_seed(const char *opt, const char *value)
{
    const char *c;

    (void)opt;
    for (c = value; *c >= '0' && *c <= '9'; c++)
        ;
    if (!*value || *c || c - value > 19) {
        fprintf(stderr, "slmsim: error: bad --seed '%s' (a whole number "
                        "from 0, at most 19 digits)\n", value);
        return -1;
    }
    return 0;
}

/* A file where the folder should go: said as such, not as the mkdir's
 * "File exists" later. */
int cli_args_check_out_dir(const char *opt, const char *value)
{
    struct stat sb;

    (void)opt;
    if (stat(value, &sb) == 0 && !S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "slmsim: error: --out '%s' is a file, not a "
                        "folder\n", value);
        return -1;
    }
    return 0;
}
