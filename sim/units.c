#include "sim/units.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* value = number * factor / period.  Rates divide by their period instead
 * of multiplying by 1/period: 1/2629800 is rounded, and multiplying by it
 * misses n/2629800 by an ulp for about one n in seven. */
struct units_suffix {
    const char *word;
    double factor;
    double period;
};

static const struct units_suffix units_durations[] = {
    {"s", 1.0, 1.0},          {"ns", 1e-9, 1.0},
    {"ms", 1e-3, 1.0},        {"us", 1e-6, 1.0},
    {"m", UNITS_MINUTE, 1.0}, {"min", UNITS_MINUTE, 1.0},
    {"h", UNITS_HOUR, 1.0},   {"d", UNITS_DAY, 1.0},
};

static const struct units_suffix units_rates[] = {
    {"/s", 1.0, 1.0},
    {"/m", 1.0, UNITS_MINUTE},
    {"/min", 1.0, UNITS_MINUTE},
    {"/h", 1.0, UNITS_HOUR},
    {"/d", 1.0, UNITS_DAY},
    {"/day", 1.0, UNITS_DAY},
    {"/week", 1.0, UNITS_WEEK},
    {"/month", 1.0, UNITS_MONTH},
    {"/year", 1.0, UNITS_YEAR},
};

static const struct units_suffix units_bytes[] = {
    {"", 1.0, 1.0},     {"B", 1.0, 1.0},
    {"KB", 1e3, 1.0},   {"MB", 1e6, 1.0},
    {"GB", 1e9, 1.0},   {"TB", 1e12, 1.0},
    {"KiB", 1024.0, 1.0}, {"MiB", 1048576.0, 1.0},
    {"GiB", 1073741824.0, 1.0}, {"TiB", 1099511627776.0, 1.0},
};

/* Splits "  12.5 ms " into a finite number and a trimmed suffix, then
 * looks the suffix up.  strtod alone would accept "inf", "nan" and hex
 * floats; those are refused by the isfinite check and the digit check. */
static int units_parse(const char *text, const struct units_suffix *tab,
                       size_t n, double *out)
{
    char *end;
    const char *digits;
    double v;
    size_t i, len;

    if (!text)
        return UNITS_EBAD;
    while (isspace((unsigned char)*text))
        text++;
    if (!(isdigit((unsigned char)*text) || *text == '.' || *text == '-' ||
          *text == '+'))
        return UNITS_EBAD;
    /* Hex floats after a sign too: "-0x1p3" is not a scenario number. */
    digits = text + (*text == '-' || *text == '+');
    if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
        return UNITS_EBAD;
    errno = 0;
    v = strtod(text, &end);
    if (end == text || errno == ERANGE || !isfinite(v))
        return UNITS_EBAD;
    while (isspace((unsigned char)*end))
        end++;
    len = strlen(end);
    while (len && isspace((unsigned char)end[len - 1]))
        len--;
    for (i = 0; i < n; i++) {
        if (strlen(tab[i].word) == len && strncmp(tab[i].word, end, len) == 0) {
            /* "1e308d" overflows only after scaling */
            v = v * tab[i].factor / tab[i].period;
            if (!isfinite(v))
                return UNITS_EBAD;
            *out = v;
            return UNITS_OK;
        }
    }
    if (len == 0) {
        /* A bare number where a unit is needed (the tables without "");
         * zero reads the same in every unit. */
        if (v != 0.0)
            return UNITS_ENOUNIT;
        *out = 0.0;
        return UNITS_OK;
    }
    return UNITS_EBAD;
}

int units_parse_number(const char *text, double *out)
{
    static const struct units_suffix plain[] = {{"", 1.0, 1.0}};
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

/* ---- formatting ---- */

#include <stdio.h>

/* Groups the digits of a non-negative integer written in raw. */
static void units_group(const char *raw, char *out, unsigned long size)
{
    unsigned long len = (unsigned long)strlen(raw), o = 0;

    for (unsigned long i = 0; i < len && o + 2 < size; i++) {
        if (i && (len - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = raw[i];
    }
    out[o] = '\0';
}

const char *units_format_count(double x, char *buf, unsigned long size)
{
    char raw[64], grouped[96];

    if (!isfinite(x)) {
        snprintf(buf, size, "-");
        return buf;
    }
    snprintf(raw, sizeof raw, "%.0f", fabs(x));
    units_group(raw, grouped, sizeof grouped);
    snprintf(buf, size, "%s%s", x < 0 && grouped[0] != '0' ? "-" : "",
             grouped);
    return buf;
}

const char *units_format_money(double x, char *buf, unsigned long size)
{
    char raw[64], grouped[96];
    double a = fabs(x);

    if (!isfinite(x)) {
        snprintf(buf, size, "-");
        return buf;
    }
    if (a < 99.995) {
        snprintf(buf, size, "%s$%.2f", x < 0 && a >= 0.005 ? "-" : "", a);
        return buf;
    }
    snprintf(raw, sizeof raw, "%.0f", a);
    units_group(raw, grouped, sizeof grouped);
    snprintf(buf, size, "%s$%s", x < 0 ? "-" : "", grouped);
    return buf;
}

const char *units_format_volume(double x, char *buf, unsigned long size)
{
    static const struct {
        double scale;
        const char *suffix;
    } steps[] = {{1e12, "T"}, {1e9, "B"}, {1e6, "M"}};
    double a = fabs(x);

    if (!isfinite(x)) {
        snprintf(buf, size, "-");
        return buf;
    }
    for (unsigned i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (a >= steps[i].scale * 0.9995) {
            double v = x / steps[i].scale;
            snprintf(buf, size, fabs(v) < 99.95 ? "%.1f%s" : "%.0f%s", v,
                     steps[i].suffix);
            return buf;
        }
    return units_format_count(x, buf, size);
}

const char *units_format_duration(double s, char *buf, unsigned long size)
{
    static const struct {
        double scale;
        const char *unit;
    } steps[] = {{UNITS_DAY, "d"}, {UNITS_HOUR, "h"}, {UNITS_MINUTE, "min"},
                 {1, "s"},         {1e-3, "ms"},      {1e-6, "us"}};
    double a = fabs(s);

    if (!isfinite(s)) {
        snprintf(buf, size, "-");
        return buf;
    }
    if (a == 0) {
        snprintf(buf, size, "0 s");
        return buf;
    }
    for (unsigned i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (a >= steps[i].scale || i + 1 == sizeof steps / sizeof steps[0]) {
            /* Hours and days read as multiples only from 2 on. */
            if (steps[i].scale >= UNITS_HOUR && a < 2 * steps[i].scale)
                continue;
            snprintf(buf, size, "%.3g %s", s / steps[i].scale, steps[i].unit);
            return buf;
        }
    return buf;
}
