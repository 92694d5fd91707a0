#include "json.h"
#include "fsutil.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *must(void *p)
{
	if (!p) {
		fputs("sbx: out of memory\n", stderr);
		exit(125);
	}
	return p;
}

/*
 * Replaces comments and trailing commas with spaces, keeping every newline,
 * so offsets in the result are offsets in the original. Strings are copied
 * untouched (a "//" inside a string is data).
 */
static void blank_comments(char *s, size_t len)
{
	size_t i = 0, last_comma = (size_t)-1;

	while (i < len) {
		char c = s[i];

		if (c == '"') {
			last_comma = (size_t)-1;
			for (i++; i < len && s[i] != '"'; i++)
				if (s[i] == '\\' && i + 1 < len)
					i++;
			i++;
		} else if (c == '/' && i + 1 < len && s[i + 1] == '/') {
			for (; i < len && s[i] != '\n'; i++)
				s[i] = ' ';
		} else if (c == '/' && i + 1 < len && s[i + 1] == '*') {
			size_t start = i;

			for (i += 2; i + 1 < len && !(s[i] == '*' && s[i + 1] == '/'); i++)
				;
			if (i + 1 >= len) /* unterminated: leave it for the parser to refuse */
				return;
			i += 2;
			for (size_t j = start; j < i; j++)
				if (s[j] != '\n')
					s[j] = ' ';
		} else if (c == ',') {
			last_comma = i++;
		} else if ((c == '}' || c == ']') && last_comma != (size_t)-1) {
			s[last_comma] = ' ';
			last_comma = (size_t)-1;
			i++;
		} else {
			if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
				last_comma = (size_t)-1;
			i++;
		}
	}
}

static void position(const char *s, size_t off, unsigned *line, unsigned *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		if (s[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)s[i] & 0xC0) != 0x80) {
			(*col)++;
		}
	}
}

int sbx_jsonc_parse(const char *text, size_t len, const char *name, cJSON **out)
{
	char *copy = sbx_malloc(len + 1);
	const char *end = NULL;
	size_t i;
	cJSON *json;

	*out = NULL;
	memcpy(copy, text, len);
	copy[len] = '\0';
	if (strlen(copy) != len) {
		free(copy);
		return sbx_error("%s: invalid JSON: the file contains a NUL byte", name);
	}
	blank_comments(copy, len);
	for (i = 0; i < len && strchr(" \t\r\n", copy[i]); i++)
		;
	if (i == len) {
		free(copy);
		return sbx_error("%s: the file is empty; expected a JSON object such as {}", name);
	}
	/* The length includes the NUL: cJSON checks for it when require_null_terminated is set. */
	json = cJSON_ParseWithLengthOpts(copy, len + 1, &end, 1);
	if (!json) {
		size_t off = end && end >= copy && end <= copy + len ? (size_t)(end - copy) : 0;
		unsigned line, col;
		size_t n = 0;

		/* cJSON points at or just past the offending byte; show it. */
		if (off == len && off > 0)
			off--;
		position(copy, off, &line, &col);
		while (off + n < len && n < 16 && copy[off + n] != '\n')
			n++;
		if (off >= len || !n)
			sbx_error("%s:%u:%u: invalid JSON: unexpected end of file", name, line, col);
		else
			sbx_error("%s:%u:%u: invalid JSON near '%.*s'", name, line, col,
				  (int)n, text + off);
		free(copy);
		return -1;
	}
	free(copy);
	*out = json;
	return 0;
}

int sbx_jsonc_read_file(const char *path, cJSON **out)
{
	struct sbx_buf b = SBX_BUF_INIT;
	int ret;

	*out = NULL;
	if (sbx_buf_read_file(&b, path)) {
		sbx_buf_release(&b);
		return -1;
	}
	ret = sbx_jsonc_parse(b.buf, b.len, path, out);
	sbx_buf_release(&b);
	return ret;
}

void sbx_json_print(struct sbx_buf *dst, const cJSON *item, int pretty)
{
	char *s = must(pretty ? cJSON_Print(item) : cJSON_PrintUnformatted(item));

	sbx_buf_adds(dst, s);
	cJSON_free(s);
}

int sbx_json_write_file(const char *path, const cJSON *json, mode_t mode, int pretty)
{
	struct sbx_buf b = SBX_BUF_INIT;
	int ret;

	sbx_json_print(&b, json, pretty);
	sbx_buf_addch(&b, '\n');
	ret = sbx_write_file(path, b.buf, b.len, (int)mode);
	sbx_buf_release(&b);
	return ret;
}

const char *sbx_json_type_name(const cJSON *item)
{
	if (cJSON_IsString(item))
		return "string";
	if (cJSON_IsNumber(item))
		return "number";
	if (cJSON_IsBool(item))
		return "boolean";
	if (cJSON_IsNull(item))
		return "null";
	if (cJSON_IsArray(item))
		return "array";
	if (cJSON_IsObject(item))
		return "object";
	return "invalid value";
}

char *sbx_json_describe(const cJSON *item)
{
	struct sbx_buf b = SBX_BUF_INIT;

	if (cJSON_IsArray(item) || cJSON_IsObject(item) || cJSON_IsNull(item))
		return sbx_strdup(sbx_json_type_name(item));
	sbx_buf_adds(&b, sbx_json_type_name(item));
	sbx_buf_addch(&b, ' ');
	sbx_json_print(&b, item, 0);
	if (b.len > 60) {
		sbx_buf_truncate(&b, 57);
		sbx_buf_adds(&b, "...");
	}
	return sbx_buf_detach(&b);
}

const char *sbx_json_get_string(const cJSON *obj, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

double sbx_json_get_number(const cJSON *obj, const char *key, double fallback)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsNumber(it) ? it->valuedouble : fallback;
}

int sbx_json_get_bool(const cJSON *obj, const char *key, int fallback)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsBool(it) ? cJSON_IsTrue(it) : fallback;
}

cJSON *sbx_json_add_item(cJSON *obj, const char *key, cJSON *item)
{
	if (!cJSON_AddItemToObject(obj, key, item)) {
		cJSON_Delete(item);
		must(NULL);
	}
	return item;
}

cJSON *sbx_json_add_string(cJSON *obj, const char *key, const char *value)
{
	return sbx_json_add_item(obj, key, must(cJSON_CreateString(value)));
}

cJSON *sbx_json_add_number(cJSON *obj, const char *key, double value)
{
	return sbx_json_add_item(obj, key, must(cJSON_CreateNumber(value)));
}

cJSON *sbx_json_add_bool(cJSON *obj, const char *key, int value)
{
	return sbx_json_add_item(obj, key, must(cJSON_CreateBool(value)));
}

cJSON *sbx_json_append(cJSON *array, cJSON *item)
{
	if (!cJSON_AddItemToArray(array, item)) {
		cJSON_Delete(item);
		must(NULL);
	}
	return item;
}

cJSON *sbx_json_new_object(void)
{
	return must(cJSON_CreateObject());
}

cJSON *sbx_json_new_array(void)
{
	return must(cJSON_CreateArray());
}

cJSON *sbx_json_new_string(const char *s)
{
	return must(cJSON_CreateString(s));
}

cJSON *sbx_json_dup(const cJSON *item)
{
	return must(cJSON_Duplicate(item, 1));
}
