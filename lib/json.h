#ifndef SBX_JSON_H
#define SBX_JSON_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

/*
 * JSON helpers over cJSON. Results of parse functions are the caller's
 * (cJSON_Delete); strings returned as const char * are borrowed from the tree.
 */

/*
 * Parses JSON with comments (// and block comments) and trailing commas, as in
 * devcontainer.json. Comments are blanked in place rather than removed, so
 * that a syntax error is reported at its true line and column:
 * "NAME:LINE:COL: invalid JSON near '...'". An empty or blank text is an error
 * of its own.
 */
int sbx_jsonc_parse(const char *text, size_t len, const char *name, cJSON **out);
/* Reads and parses a file with sbx_jsonc_parse. */
int sbx_jsonc_read_file(const char *path, cJSON **out);

/* Writes compact or pretty JSON to path atomically (temp file + rename). */
int sbx_json_write_file(const char *path, const cJSON *json, mode_t mode, int pretty);
/* Appends the item printed compactly (one line). */
void sbx_json_print(struct sbx_buf *dst, const cJSON *item, int pretty);

/* "string", "number", "true or false", "null", "array", "object". */
const char *sbx_json_type_name(const cJSON *item);
/* The item's type and a short rendering for error messages: string "yes". */
char *sbx_json_describe(const cJSON *item);

/* Typed getters: NULL / the fallback when missing or of another type. */
const char *sbx_json_get_string(const cJSON *obj, const char *key);
double sbx_json_get_number(const cJSON *obj, const char *key, double fallback);
int sbx_json_get_bool(const cJSON *obj, const char *key, int fallback);

/* Adders that cannot fail for callers (allocation failure is fatal). */
cJSON *sbx_json_add_string(cJSON *obj, const char *key, const char *value);
cJSON *sbx_json_add_number(cJSON *obj, const char *key, double value);
cJSON *sbx_json_add_bool(cJSON *obj, const char *key, int value);
cJSON *sbx_json_add_item(cJSON *obj, const char *key, cJSON *item);
cJSON *sbx_json_append(cJSON *array, cJSON *item);
cJSON *sbx_json_new_object(void);
cJSON *sbx_json_new_array(void);
cJSON *sbx_json_new_string(const char *s);
cJSON *sbx_json_dup(const cJSON *item);

#endif
