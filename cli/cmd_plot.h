/*
 * cmd_plot: slmsim plot, and what the commands that draw figures share
 * (cli/cmd_plot.c): the figure options, building, the JSON section,
 * drawing, the caption.
 */
#ifndef SLM_CLI_CMD_PLOT_H
#define SLM_CLI_CMD_PLOT_H

#include <stddef.h>

#include "models/scenario.h"

/* slmsim plot: redraws the figures saved in a results file.  Returns the
 * exit status. */
int cmd_plot(int argc, char **argv);

struct figure;
struct jw;

#define CLI_MAX_FIGURES 16

/* The figures a command builds, then writes into its JSON and draws. */
struct cli_plots {
    int want;         /* -1: those in outputs.plots; 0: none (--no-plots);
                         1: every figure the command draws (--plots) */
    unsigned formats; /* --format, a DRAW_* mask; 0: png and pdf */
    size_t n;
    struct figure *fig[CLI_MAX_FIGURES]; /* owned */
};

void cli_plots_init(struct cli_plots *p);
/* --format LIST into *dest (an unsigned DRAW_* mask), for cli/args.h's
 * table: 0, or -1 after printing the allowed formats. */
int cli_plots_parse_formats(const char *cmd, const char *opt,
                            const char *value, void *dest);
/* 1 when figure name is to be drawn for scenario sc (NULL: none listed). */
int cli_plots_wanted(const struct cli_plots *p, const struct scenario *sc,
                     const char *name);
/* A note on stderr for each figure outputs.plots lists that cmd does not
 * draw (drawn[0..ndrawn) are those it does).  run says it: it draws every
 * name outputs.plots accepts that the scenario has data for; the cost
 * commands and capacity draw the listed ones they can, silently. */
void cli_plots_unavailable(const struct cli_plots *p,
                           const struct scenario *sc, const char *cmd,
                           const char *const *drawn, size_t ndrawn);
/* Keeps f (taking ownership) when a builder returned status 0; frees it
 * otherwise.  Returns status, except that SLM_EINPUT (no data for the
 * figure) becomes 0. */
int cli_plots_add(struct cli_plots *p, int status, struct figure *f);
/* The "figures" member of the open JSON object (nothing when none). */
void cli_plots_write_json(const struct cli_plots *p, struct jw *w);
/* Draws every figure into dir; prints what it drew unless quiet.  Returns
 * the exit status: 0 (also when gnuplot is missing: one warning), 1 when a
 * file could not be written or gnuplot failed (reported). */
int cli_plots_draw(struct cli_plots *p, const char *dir, int quiet);
void cli_plots_fini(struct cli_plots *p);
/* Removes from dir the files of run's figures that p does not hold (an
 * earlier run's), so that what is on disk is what results.json lists. */
void cli_plots_clean_run(const struct cli_plots *p, const char *dir);
/* The caption of every figure of sc, the key assumptions in two lines:
 * backends, API prices, volume, replications, SLO.  Returns buf. */
const char *cli_plots_caption(const struct scenario *sc, char *buf,
                              size_t size);
/* For commands without a results.json: names each figure for the command
 * and its pricing (tco, crossover, sensitivity: NAME-nominal, captioned
 * "nominal arithmetic"; capacity: NAME-probes; compare: options), removes
 * that command's figure files an earlier run left that this one does not
 * draw, writes the figures to DIR/figures-CMD.json ({"figures": ...}, for
 * slmsim plot) and draws them into DIR.  Returns the exit status. */
int cli_plots_finish(struct cli_plots *p, const char *dir, const char *cmd,
                     int quiet);



#endif
