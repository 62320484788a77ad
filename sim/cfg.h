/*
 * cfg: a YAML document as a tree that remembers where every node came from.
 *
 * cfg_load_file() parses with libyaml into nodes (scalar, map, sequence),
 * each carrying the file, line and column of its start mark, so any later
 * semantic check can point at the exact spot.  Beside parsing, the module
 * owns the typed getters every model uses to read its part of the scenario
 * (numbers, integers, durations, rates, strings, booleans, enums), each of
 * which reports a located error through struct diag, and the unknown-key
 * check with its "did you mean" suggestion.
 *
 * Limits, each with its own message: file size CFG_MAX_FILE_BYTES, nesting
 * depth CFG_MAX_DEPTH, scalar length CFG_MAX_SCALAR, items in one map or
 * sequence CFG_MAX_ITEMS.  Aliases and anchors are refused (they make
 * exponential documents cheap); duplicate keys are refused, naming the
 * first occurrence; tags other than the core ones are ignored.  A document
 * must be a single mapping at the top (an empty file is an error).
 *
 * Ownership: a struct cfg_doc owns every node, key and string in it, and the
 * file name it was given (copied).  Nodes and their strings are borrowed
 * from the document until cfg_doc_free().
 */
#ifndef SLM_CFG_H
#define SLM_CFG_H

#include <stddef.h>

#include "sim/diag.h"

#define CFG_MAX_FILE_BYTES (16L * 1024 * 1024)
#define CFG_MAX_DEPTH 32
#define CFG_MAX_SCALAR 4096
#define CFG_MAX_ITEMS 100000

enum cfg_kind { CFG_SCALAR, CFG_MAP, CFG_SEQ };

struct cfg_node {
    enum cfg_kind kind;
    struct diag_pos pos;      /* file borrowed from the document */
    const char *scalar;       /* CFG_SCALAR: the text (never NULL) */
    int quoted;               /* CFG_SCALAR: written in quotes */
    size_t n;                 /* CFG_MAP / CFG_SEQ: number of items */
    const char **keys;        /* CFG_MAP: keys[i] names values[i] */
    struct diag_pos *key_pos; /* CFG_MAP: where keys[i] stands */
    struct cfg_node **items;  /* CFG_MAP values, CFG_SEQ elements */
};

struct cfg_doc;

/* Parses path ("-" reads stdin, reported as "<stdin>").  Returns 0 and
 * stores a document owned by the caller, SLM_EINPUT after reporting the
 * syntax or limit error to d, SLM_ESYS when the file cannot be read (errno
 * set; nothing reported), or SLM_ENOMEM. */
int cfg_load_file(const char *path, struct diag *d, struct cfg_doc **out);
/* Same from a buffer of len bytes; name is used in messages (copied). */
int cfg_load_buffer(const char *name, const char *buf, size_t len,
                    struct diag *d, struct cfg_doc **out);
void cfg_doc_free(struct cfg_doc *doc); /* NULL is fine */

/* The top-level mapping (never NULL for a loaded document). */
struct cfg_node *cfg_doc_root(struct cfg_doc *doc);

/* Applies one "--set a.b.c=value" override: walks maps by key (a numeric
 * segment indexes a sequence), creating missing map levels, and replaces or
 * adds the scalar.  The value is parsed as a YAML flow node, so
 * "--set workload.arrivals={process: poisson, rate: 3/s}" works too.
 * Errors are reported at position ("--set", 1, column) and return
 * SLM_EINPUT. */
int cfg_doc_set(struct cfg_doc *doc, const char *assignment, struct diag *d);

/* 1 when node was made by a --set (its position is in "--set"), not read
 * from the file: a mapping a --set path created ("--set backends.gpu.count=2"
 * makes backends.gpu) names something the file does not have. */
int cfg_node_from_set(const struct cfg_node *node);

/* ---- lookups ---- */

/* The value under key in map, or NULL when absent (map NULL or not a map
 * also gives NULL). */
struct cfg_node *cfg_get(const struct cfg_node *map, const char *key);
/* Position of key's key in map (falls back to the map's own). */
const struct diag_pos *cfg_key_pos(const struct cfg_node *map,
                                   const char *key);

/* Reports every key of map not in allowed[0..n) as
 *   unknown key 'sevrers' in backends.mm16 (did you mean 'servers'?)
 * where is the dotted path used in messages ("" for the top).  Returns the
 * number of unknown keys. */
int cfg_check_keys(const struct cfg_node *map, const char *where,
                   const char *const *allowed, size_t n, struct diag *d);

/* Reports "'key' must be a mapping|a sequence|a scalar" and returns -1 when
 * node is not of kind; 0 otherwise. */
int cfg_expect(const struct cfg_node *node, enum cfg_kind kind,
               const char *what, struct diag *d);

/* ---- typed getters ----
 * Each reads map[key] and returns an enum cfg_got (kept as int so that
 * `bad |= get(...) < 0` reads naturally).  When the key is absent: with
 * CFG_REQUIRED it reports "missing required key 'key' in where" at the map
 * and returns CFG_GOT_BAD; otherwise it leaves *out untouched (the
 * caller's default) and returns CFG_GOT_ABSENT.  When present and valid it
 * stores the value and returns CFG_GOT_SET; when present and invalid it
 * reports at the value and returns CFG_GOT_BAD.  A bare number for a
 * duration or a rate is invalid ("'mtbf' needs a unit, got '2000' (write
 * 2000s or 2000h; ...)").
 * Bounds: CFG_POSITIVE (> 0), CFG_NONNEG (>= 0), CFG_UNIT (in [0, 1]). */
enum cfg_got {
    CFG_GOT_BAD = -1,   /* present and invalid, or required and absent:
                           reported */
    CFG_GOT_SET = 0,    /* present and valid: *out stored */
    CFG_GOT_ABSENT = 1  /* absent or null, not required: *out untouched */
};

enum {
    CFG_REQUIRED = 1 << 0,
    CFG_POSITIVE = 1 << 1,
    CFG_NONNEG = 1 << 2,
    CFG_UNIT = 1 << 3
};

int cfg_get_number(const struct cfg_node *map, const char *key,
                   const char *where, unsigned flags, double *out,
                   struct diag *d);
int cfg_get_int(const struct cfg_node *map, const char *key,
                const char *where, unsigned flags, long min, long max,
                long *out, struct diag *d);
int cfg_get_duration(const struct cfg_node *map, const char *key,
                     const char *where, unsigned flags, double *out,
                     struct diag *d);
int cfg_get_rate(const struct cfg_node *map, const char *key,
                 const char *where, unsigned flags, double *out,
                 struct diag *d);
int cfg_get_bytes(const struct cfg_node *map, const char *key,
                  const char *where, unsigned flags, double *out,
                  struct diag *d);
int cfg_get_bool(const struct cfg_node *map, const char *key,
                 const char *where, unsigned flags, int *out,
                 struct diag *d);
/* *out is borrowed from the document. */
int cfg_get_string(const struct cfg_node *map, const char *key,
                   const char *where, unsigned flags, const char **out,
                   struct diag *d);
/* Stores the index of the value in words[0..n); an unknown word is
 * reported with the allowed list and a suggestion. */
int cfg_get_enum(const struct cfg_node *map, const char *key,
                 const char *where, unsigned flags,
                 const char *const *words, size_t n, int *out,
                 struct diag *d);

/* The same checks applied to a scalar node directly (for sequence
 * elements): name is used in messages.  Return 0 or -1. */
int cfg_node_number(const struct cfg_node *node, const char *name,
                    unsigned flags, double *out, struct diag *d);
int cfg_node_duration(const struct cfg_node *node, const char *name,
                      unsigned flags, double *out, struct diag *d);
int cfg_node_rate(const struct cfg_node *node, const char *name,
                  unsigned flags, double *out, struct diag *d);

#endif
