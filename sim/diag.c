#include "sim/diag.h"

#include <ctype.h>
#include <stdarg.h>
#include <string.h>

void diag_init(struct diag *d, FILE *sink)
{
    d->sink = sink;
    d->errors = 0;
    d->warnings = 0;
    d->max_errors = DIAG_MAX_ERRORS;
}

static void diag_emit(struct diag *d, const struct diag_pos *where,
                      const char *kind, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static void diag_emit(struct diag *d, const struct diag_pos *where,
                      const char *kind, const char *fmt, va_list ap)
{
    if (!d->sink)
        return;
    if (where && where->file) {
        fprintf(d->sink, "%s:", where->file);
        if (where->line > 0) {
            fprintf(d->sink, "%d:", where->line);
            if (where->col > 0)
                fprintf(d->sink, "%d:", where->col);
        }
        fputc(' ', d->sink);
    } else {
        fputs("slmsim: ", d->sink);
    }
    fprintf(d->sink, "%s: ", kind);
    vfprintf(d->sink, fmt, ap);
    fputc('\n', d->sink);
}

void diag_error(struct diag *d, const struct diag_pos *where, const char *fmt,
                ...)
{
    va_list ap;
    int limit = d->max_errors > 0 ? d->max_errors : DIAG_MAX_ERRORS;

    d->errors++;
    if (d->errors > limit)
        return;
    va_start(ap, fmt);
    diag_emit(d, where, "error", fmt, ap);
    va_end(ap);
    if (d->errors == limit && d->sink)
        fprintf(d->sink, "slmsim: too many errors, stopping\n");
}

void diag_warning(struct diag *d, const struct diag_pos *where,
                  const char *fmt, ...)
{
    va_list ap;

    d->warnings++;
    va_start(ap, fmt);
    diag_emit(d, where, "warning", fmt, ap);
    va_end(ap);
}

int diag_full(const struct diag *d)
{
    int limit = d->max_errors > 0 ? d->max_errors : DIAG_MAX_ERRORS;
    return d->errors >= limit;
}

/* Levenshtein distance with one rolling row; names are short (< 64). */
static size_t diag_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[65], i, j;

    if (la > 64 || lb > 64)
        return (size_t)-1;
    for (j = 0; j <= lb; j++)
        row[j] = j;
    for (i = 1; i <= la; i++) {
        size_t diag_prev = row[0];
        row[0] = i;
        for (j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = diag_prev + cost;
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag_prev = up;
        }
    }
    return row[lb];
}

/* word is a prefix of cand, ignoring case ("H100" of "H100-SXM"). */
static int diag_is_prefix(const char *word, const char *cand)
{
    size_t i;

    for (i = 0; word[i]; i++)
        if (tolower((unsigned char)word[i]) != tolower((unsigned char)cand[i]))
            return 0;
    return 1;
}

/* cand ends with word after a separator ("p99" of "ttft_p99"). */
static int diag_is_suffix(const char *word, const char *cand)
{
    size_t lw = strlen(word), lc = strlen(cand);

    return lw >= 3 && lc > lw && strchr("_-.", cand[lc - lw - 1]) &&
           diag_is_prefix(word, cand + lc - lw);
}

/* The candidates worth suggesting, best first, into pick[0..max):
 * those that start with word (at least two characters typed) or end
 * with it after a separator, else
 * those at the smallest edit distance, when it is small enough (a third of
 * the word's length, plus one).  Returns how many. */
static size_t diag_pick(const char *word, const char *const *candidates,
                        size_t n, const char **pick, size_t max)
{
    size_t best_d = (size_t)-1, allowed = strlen(word) / 3 + 1, i, k = 0;

    if (strlen(word) >= 2)
        for (i = 0; i < n && k < max; i++)
            if ((diag_is_prefix(word, candidates[i]) ||
                 diag_is_suffix(word, candidates[i])) &&
                strcmp(word, candidates[i]) != 0)
                pick[k++] = candidates[i];
    if (k)
        return k;
    for (i = 0; i < n; i++) {
        size_t dist = diag_distance(word, candidates[i]);
        if (dist < best_d) {
            best_d = dist;
            k = 0;
        }
        if (dist == best_d && k < max)
            pick[k++] = candidates[i];
    }
    return best_d <= allowed ? k : 0;
}

const char *diag_suggest(const char *word, const char *const *candidates,
                         size_t n)
{
    const char *pick[1];

    return diag_pick(word, candidates, n, pick, 1) ? pick[0] : NULL;
}

size_t diag_suggest_list(const char *word, const char *const *candidates,
                         size_t n, char *buf, size_t size)
{
    const char *pick[DIAG_MAX_SUGGESTIONS];
    size_t k = diag_pick(word, candidates, n, pick, DIAG_MAX_SUGGESTIONS);
    size_t i, len = 0;

    if (size)
        buf[0] = '\0';
    for (i = 0; i < k && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s'%s'",
                                i == 0 ? "" : i + 1 == k ? " or " : ", ",
                                pick[i]);
    return k;
}
