/* The table-driven option parser (cli/args.h). */
#include "cli/args.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "sim/units.h"

#define CLI_ARGS_HELP_COLUMN 25 /* where the help text starts */

static void cli_args_print_help(const struct cli_args_spec *spec, FILE *f);

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

/* The value v of option opt (its name, maybe "--name=VALUE") must be a
 * whole number in [lo, hi]: 0 when it is, -1 after saying why. */
static int cli_args_check_whole(const char *opt, const char *v, double lo,
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

/* 1 when s ends in suffix, ignoring case. */
static int args_ends(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);

    return n > k && !strcasecmp(s + n - k, suffix);
}

/* A flag that once took a file, given one: the new usage. */
static int args_was_file(const struct cli_args_spec *spec,
                         const struct cli_opt *o, int argc, char **argv,
                         int i)
{
    const char *next = i + 1 < argc ? argv[i + 1] : NULL;

    if (!o->was_file)
        return 0;
    if (!strchr(argv[i], '=') &&
        !(next && (!strcmp(next, "-") || args_ends(next, ".json") ||
                   args_ends(next, ".csv"))))
        return 0;
    fprintf(stderr, "slmsim %s: error: %s %s\n", spec->cmd, o->name,
            o->was_file);
    return 1;
}

static int args_take(const struct cli_args_spec *spec,
                     const struct cli_opt *o, int argc, char **argv, int *i,
                     char *base)
{
    const char *opt = argv[*i];
    const char *v;

    if (o->kind == CLI_OPT_FLAG) {
        if (args_was_file(spec, o, argc, argv, *i))
            return -1;
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
        return o->parse(spec->cmd, opt, v, base + o->dest);
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

/* Takes positional argument a: the one path, or the next of the array. */
static int args_positional(const struct cli_args_spec *spec, void *base,
                           const char *a)
{
    const char *what = spec->what ? spec->what : "scenario file";
    const char **path = (const char **)((char *)base + spec->path);
    size_t *n;

    if (spec->no_path) {
        fprintf(stderr, "slmsim %s: error: unknown argument '%s' (see "
                        "slmsim %s --help)\n", spec->cmd, a, spec->cmd);
        return -1;
    }
    if (spec->max_paths <= 1) {
        if (*path) {
            fprintf(stderr, "slmsim %s: error: one %s at a time, got '%s' "
                            "and '%s'\n", spec->cmd,
                    spec->what ? what : "scenario", *path, a);
            return -1;
        }
        *path = a;
        return 0;
    }
    n = (size_t *)((char *)base + spec->npaths);
    if (*n == spec->max_paths) {
        fprintf(stderr, "slmsim %s: error: at most %zu files\n", spec->cmd,
                spec->max_paths);
        return -1;
    }
    path[(*n)++] = a;
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
        if (!o && !strncmp(a, "--", 2) && strchr(a, '=')) {
            /* "--json=F": a flag given a value the old way */
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)(strchr(a, '=') - a),
                     a);
            o = args_find(spec, name);
            if (o && !o->was_file)
                o = NULL;
        }
        if (o) {
            if (args_take(spec, o, argc, argv, &i, base))
                return CLI_ARGS_ERROR;
            continue;
        }
        if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "slmsim %s: error: unknown option '%s' (see "
                            "slmsim %s --help)\n", spec->cmd, a, spec->cmd);
            return CLI_ARGS_ERROR;
        }
        if (args_positional(spec, base, a))
            return CLI_ARGS_ERROR;
    }
    if (!spec->optional && !spec->no_path &&
        (spec->max_paths > 1 ? !*(size_t *)((char *)base + spec->npaths)
                             : !*path)) {
        fprintf(stderr, "slmsim %s: error: no %s (see slmsim %s --help)\n",
                spec->cmd, spec->what ? spec->what : "scenario file",
                spec->cmd);
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

static void cli_args_print_help(const struct cli_args_spec *spec, FILE *f)
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

/* The flag as typed, without "=VALUE". */
static int args_bad(const char *cmd, const char *opt, const char *value,
                    const char *want)
{
    const char *eq = strchr(opt, '=');
    int len = eq ? (int)(eq - opt) : (int)strlen(opt);

    fprintf(stderr, "slmsim %s: error: bad %.*s '%s' (%s)\n", cmd, len, opt,
            value, want);
    return -1;
}

int cli_args_parse_duration(const char *cmd, const char *opt,
                            const char *value, void *dest)
{
    double *x = dest;

    if (units_parse_duration(value, x) || !(*x > 0))
        return args_bad(cmd, opt, value,
                        "a duration > 0: " UNITS_DURATION_HELP);
    return 0;
}

int cli_args_parse_rate(const char *cmd, const char *opt, const char *value,
                        void *dest)
{
    double *x = dest;

    if (units_parse_rate(value, x) || !(*x > 0))
        return args_bad(cmd, opt, value, "a rate > 0: " UNITS_RATE_HELP);
    return 0;
}

int cli_args_parse_fraction(const char *cmd, const char *opt,
                            const char *value, void *dest)
{
    double *x = dest;

    if (units_parse_number(value, x) || !(*x > 0) || !(*x < 1))
        return args_bad(cmd, opt, value, "a number in (0, 1)");
    return 0;
}
