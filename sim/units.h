/*
 * units: the scenario's quantities, from text to SI.
 *
 * Durations take ns, us, ms, s, m (or min), h and d and convert to
 * seconds; rates take /s, /m (or /min), /h, /day (or /d), /week, /month
 * and /year and convert to events per second.  Both need their unit: a
 * bare "5e6" could be per second or per month, "2000" seconds or hours,
 * and the difference is a factor of millions in a budget, so a bare
 * number is refused with its own status (UNITS_ENOUNIT) for the caller to
 * say how to write it.  Zero alone is the one exception: it reads the same
 * in every unit.  A month is the mean Gregorian month, 365.25/12 days =
 * 2,629,800 s, so "1e6/month" is 0.380257... per second and twelve months
 * make a year exactly.
 */
#ifndef SLM_UNITS_H
#define SLM_UNITS_H

#define UNITS_MINUTE 60.0
#define UNITS_HOUR 3600.0
#define UNITS_DAY 86400.0
#define UNITS_WEEK (7.0 * UNITS_DAY)
#define UNITS_YEAR (365.25 * UNITS_DAY)
#define UNITS_MONTH (UNITS_YEAR / 12.0)

/* What the parsers return.  UNITS_EBAD is -1, as before the others. */
enum units_status {
    UNITS_OK = 0,
    UNITS_EBAD = -1,   /* not a finite number with an allowed unit */
    UNITS_ENOUNIT = -2 /* a number without the unit it needs */
};

/* Each parser returns UNITS_OK and stores the value, or an error status
 * leaving *out alone.  Leading and trailing spaces are allowed; nothing
 * else is.  Numbers and byte sizes take a bare number (bytes). */
int units_parse_number(const char *text, double *out);
int units_parse_duration(const char *text, double *out);  /* seconds */
int units_parse_rate(const char *text, double *out);      /* per second */
/* Decimal byte sizes: B, KB, MB, GB, TB and binary KiB, MiB, GiB, TiB. */
int units_parse_bytes(const char *text, double *out);

/* The unit words each parser accepts, for error messages. */
#define UNITS_DURATION_HELP "ns, us, ms, s, m, h, d"
#define UNITS_RATE_HELP "/s, /m, /h, /day, /week, /month, /year"
#define UNITS_BYTES_HELP "B, KB, MB, GB, TB, KiB, MiB, GiB, TiB"

/* ---- formatting, for text a reader sees (CSV and JSON keep full
 * precision) ----
 * Each writes into buf (size bytes) and returns buf; never scientific
 * notation; NaN is written "-".
 *   units_format_money     "$10,810", "-$1,200"; cents only under $100:
 *                          "$41.33", "$0.41"
 *   units_format_count     "998,701": a whole number, thousands grouped
 *   units_format_volume    "1.0M", "2.3B" from a million up (one
 *                          decimal under 100), else units_format_count:
 *                          "998,701"
 *   units_format_duration  "1.5 s", "250 ms", "40 us", "2.5 h": three
 *                          significant digits, a space before the unit */
const char *units_format_money(double x, char *buf, unsigned long size);
const char *units_format_count(double x, char *buf, unsigned long size);
const char *units_format_volume(double x, char *buf, unsigned long size);
const char *units_format_duration(double s, char *buf, unsigned long size);

#endif
