#include "sim/units.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct units_suffix {
    const char *word;
    double factor;
};

static const struct units_suffix units_durations[] = {
    {"", 1.0},   {"s", 1.0},           {"ms", 1e-3},       {"us", 1e-6},
    {"m", 60.0}, {"min", UNITS_MINUTE}, {"h", UNITS_HOUR}, {"d", UNITS_DAY},
};

/* Rates divide by the period, so the factor is 1/period. */
static const struct units_suffix units_rates[] = {
    {"", 1.0},
    {"/s", 1.0},
    {"/m", 1.0 / UNITS_MINUTE},
    {"/min", 1.0 / UNITS_MINUTE},
    {"/h", 1.0 / UNITS_HOUR},
    {"/d", 1.0 / UNITS_DAY},
    {"/day", 1.0 / UNITS_DAY},
    {"/week", 1.0 / UNITS_WEEK},
    {"/month", 1.0 / UNITS_MONTH},
    {"/year", 1.0 / UNITS_YEAR},
};

static const struct units_suffix units_bytes[] = {
    {"", 1.0},     {"B", 1.0},     {"KB", 1e3},    {"MB", 1e6},
    {"GB", 1e9},   {"TB", 1e12},   {"KiB", 1024.0}, {"MiB", 1048576.0},
    {"GiB", 1073741824.0}, {"TiB", 1099511627776.0},
};

/* Splits "  12.5 ms " into a finite number and a trimmed suffix, then
 * looks the suffix up.  strtod alone would accept "inf", "nan" and hex
 * floats; those are refused by the isfinite check and the digit check. */
static int units_parse(const char *text, const struct units_suffix *tab,
                       size_t n, double *out)
{
    char *end;
    double v;
    size_t i, len;

    if (!text)
        return -1;
    while (isspace((unsigned char)*text))
        text++;
    if (!(isdigit((unsigned char)*text) || *text == '.' || *text == '-' ||
          *text == '+'))
        return -1;
    errno = 0;
    v = strtod(text, &end);
    if (end == text || errno == ERANGE || !isfinite(v))
        return -1;
    if (strchr("xXpP", text[1] ? text[1] : ' ') && text[0] == '0')
        return -1;
    while (isspace((unsigned char)*end))
        end++;
    len = strlen(end);
    while (len && isspace((unsigned char)end[len - 1]))
        len--;
    for (i = 0; i < n; i++) {
        if (strlen(tab[i].word) == len && strncmp(tab[i].word, end, len) == 0) {
            *out = v * tab[i].factor;
            return 0;
        }
    }
    return -1;
}

int units_parse_number(const char *text, double *out)
{
    static const struct units_suffix plain[] = {{"", 1.0}};
    return units_parse(text, plain, 1, out);
}

int units_parse_duration(const char *text, double *out)
{
    return units_parse(text, units_durations,
                       sizeof units_durations / sizeof units_durations[0], out);
}

int units_parse_rate(const char *text, double *out)
{
    return units_parse(text, units_rates,
                       sizeof units_rates / sizeof units_rates[0], out);
}

int units_parse_bytes(const char *text, double *out)
{
    return units_parse(text, units_bytes,
                       sizeof units_bytes / sizeof units_bytes[0], out);
}
