/*
 * json: a small, strict JSON reader (RFC 8259) into a tree.
 *
 * For reading back what slmsim wrote (results.json for `slmsim plot`), so
 * it is strict rather than forgiving: no comments, no trailing commas, no
 * NaN, no duplicate keys, UTF-8 only.  Every value remembers the line and
 * column where it starts, so a caller that finds a well-formed document
 * with the wrong shape can still point at the place:
 *
 *     out/x/results.json:12:5: error: expected ',' or '}' after a member,
 *     got ']'
 *
 * Input is untrusted: every size has a ceiling with its own message
 * (JSON_MAX_SIZE bytes of text, JSON_MAX_DEPTH levels of nesting,
 * JSON_MAX_STRING bytes in one string, JSON_MAX_VALUES values in all),
 * and no input, however malformed, crashes the reader.  \u0000 is refused
 * so that every string is also a C string.
 */
#ifndef SLM_JSON_H
#define SLM_JSON_H

#include <stddef.h>

#include "sim/diag.h"

#define JSON_MAX_SIZE (32u << 20) /* bytes of text */
#define JSON_MAX_DEPTH 64         /* arrays and objects inside each other */
#define JSON_MAX_STRING (1u << 20) /* bytes in one decoded string */
#define JSON_MAX_VALUES (1u << 20) /* values in one document */

enum json_type {
    JSON_NULL,
    JSON_BOOL,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT
};

/* One value.  Plain data: read the fields, or use the accessors below,
 * which accept NULL and the wrong type (and then say so). */
struct json {
    enum json_type type;
    int line, col; /* where the value starts, from 1 */
    char *key;     /* owned: the member's name inside an object, else NULL */
    int boolean;   /* JSON_BOOL: 0 or 1 */
    double number; /* JSON_NUMBER: always finite */
    char *string;  /* JSON_STRING: owned, NUL-terminated UTF-8 */
    size_t len;    /* JSON_STRING: bytes; JSON_ARRAY/OBJECT: items */
    struct json *items; /* JSON_ARRAY/OBJECT: owned, len of them, in
                           document order */
};

/* Parses text[0..len) (need not be NUL-terminated).  file names the input
 * in messages (borrowed, as the user typed it).  Returns 0 with *out owned
 * by the caller (json_free), SLM_EINPUT after reporting the first problem
 * to d with its line and column, or SLM_ENOMEM (nothing reported). */
int json_parse(const char *text, size_t len, const char *file,
               struct diag *d, struct json **out);

/* Reads and parses the file at path ("-" for stdin).  As json_parse, plus
 * SLM_ESYS (errno set) when the file cannot be read; a file over
 * JSON_MAX_SIZE is SLM_EINPUT. */
int json_load(const char *path, struct diag *d, struct json **out);

void json_free(struct json *j); /* NULL is fine */

/* ---- reading a tree; every function accepts NULL ---- */

/* The member named key of object obj; NULL when obj is not an object or
 * has no such member. */
const struct json *json_get(const struct json *obj, const char *key);
/* Item i of an array or object; NULL when out of range or neither. */
const struct json *json_at(const struct json *j, size_t i);
/* Items of an array or object; 0 for anything else. */
size_t json_len(const struct json *j);
/* 1 when j is of type t. */
int json_is(const struct json *j, enum json_type t);
/* The number, or dflt when j is not a number. */
double json_num(const struct json *j, double dflt);
/* The string (borrowed from the tree), or NULL when j is not a string. */
const char *json_str(const struct json *j);
/* The value's name for messages: "an object", "a number", ... */
const char *json_type_name(enum json_type t);

#endif
