/*
 * accuracy: how often answers are right, per task and blended.
 *
 * The built-in table holds the claims the project started from (DOMAIN.md:
 * an enterprise cost/accuracy comparison, early 2026): the share of right
 * answers from a fine-tuned 7B model and from GPT-4 zero-shot and few-shot,
 * per task type.  Task types in workload.tasks that use these keys get the
 * figures; a task's own `accuracy: {local, api}` overrides them; a task
 * with neither has no figure and is left out of the blend (the coverage
 * says how much was left out).
 *
 *   key                              fine-tuned 7B  zero-shot  few-shot
 *   document-classification               0.94        0.88      0.91
 *   named-entity-extraction               0.92        0.85      0.89
 *   intent-classification                 0.96        0.90      0.93
 *   sentiment-analysis                    0.93        0.87      0.90
 *   structured-extraction                 0.91        0.84      0.88
 *   contract-clause-identification        0.90        0.83      0.87
 *   text-generation                       0.78        0.93      0.95
 *   multi-step-reasoning                  0.72        0.91      0.94
 *   summarization                         0.75        0.92      0.93
 *   cross-domain-qa                       0.70        0.90      0.92
 *
 * An answer's accuracy is that of the side that gave the answer the user
 * got: an escalated request (confidence fallback) carries the API's.
 *
 * Confidence fallback escalates the local answers with the lowest
 * confidence score.  The score is modelled as binormal: over right answers
 * N(d, 1), over wrong ones N(0, 1), so its ROC AUC against correctness is
 * Phi(d / sqrt 2), i.e. d = sqrt 2 Phi^-1(AUC).  Escalating a share f of
 * answers of accuracy a means a threshold t with
 *     f = a Phi(t - d) + (1 - a) Phi(t),
 * so the answers kept locally are right with probability
 *     a_kept = a (1 - Phi(t - d)) / (1 - f).
 * AUC 0.5 (escalation: random) gives a_kept = a; AUC 1 escalates every
 * wrong answer before any right one.  The API's accuracy on the escalated
 * answers is taken as its task accuracy (its errors independent of the
 * local model's).
 */
#ifndef SLM_ACCURACY_H
#define SLM_ACCURACY_H

#include <stddef.h>

#include "models/workload.h"

struct accuracy_entry {
    const char *task;   /* the task type key */
    const char *label;  /* the task as DOMAIN.md names it */
    double local;       /* fine-tuned 7B */
    double zero_shot;   /* GPT-4 zero-shot */
    double few_shot;    /* GPT-4 few-shot */
};


/* The built-in entry for task type, or NULL. */
const struct accuracy_entry *accuracy_lookup(const char *task);

/* Share of right answers for task t from the local model, and from the
 * API (few_shot selects the column): the task's override, else the table,
 * else NaN. */
double accuracy_task_local(const struct task_spec *t);
double accuracy_task_api(const struct task_spec *t, int few_shot);

/* a_kept above: the accuracy of the local answers kept when the share f
 * (in [0, 1)) with the lowest confidence is escalated, the confidence's
 * AUC auc in [0.5, 1].  NaN when a is NaN; a when f is 0 or auc 0.5. */
double accuracy_kept(double a, double f, double auc);

/* sum count[i] acc[i] / sum count[i] over the i whose acc is known (not
 * NaN); *coverage (may be NULL) gets the share of the counts covered.
 * NaN when nothing is covered. */
double accuracy_blend(size_t n, const double *count, const double *acc,
                      double *coverage);

#endif
