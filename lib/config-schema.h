#ifndef SBX_CONFIG_SCHEMA_H
#define SBX_CONFIG_SCHEMA_H

#include <cjson/cJSON.h>

#include "buf.h"
#include "strvec.h"

/*
 * The one description of the configuration keys (lib/config-schema.c).
 * Validation, defaults, the SBX_* variables and `sbx config show` all walk
 * this tree; nothing else lists the keys. Internal to lib/config*.c and the
 * unit tests.
 */

enum sbx_config_type {
	SBX_CT_BOOL,
	SBX_CT_INT,		/* a whole number from min to max */
	SBX_CT_ENUM,		/* one of choices */
	SBX_CT_STRING,		/* a string that check() accepts (any string without one) */
	SBX_CT_ARRAY,		/* elements described by item; accumulates across layers */
	SBX_CT_MAP,		/* keys described by map_key, values by item; merges per key */
	SBX_CT_OBJECT,		/* the fixed keys in fields */
};

enum {
	SBX_CK_REQUIRED = 1 << 0,	/* an object's field that must be present */
	SBX_CK_ONE_OF = 1 << 1,		/* an object holding exactly one of its fields; a
					   later layer replaces it whole */
	/*
	 * A project's .sbx.json may set it without `sbx trust`: it cannot reach
	 * outside the sandbox. Trust is an allow-list: a key without this flag
	 * (a new one too) needs trust. On an array or a map it covers the values.
	 */
	SBX_CK_UNTRUSTED_OK = 1 << 2,
	/* Only your own configuration sets it (your file, SBX_* variables), never a project. */
	SBX_CK_USER_ONLY = 1 << 3,
	SBX_CK_KEEP_DEFAULT = 1 << 4,	/* an array whose default layers add to, not replace */
	SBX_CK_REMOVED = 1 << 5,	/* a key that is gone: refused, expect says what
					   to write instead */
};

struct sbx_config_key {
	const char *name;		/* NULL ends a list of fields */
	enum sbx_config_type type;
	unsigned flags;
	long long min, max;		/* SBX_CT_INT; min also bounds size strings */
	const char *const *choices;	/* SBX_CT_ENUM, NULL-terminated */
	int (*check)(const struct sbx_config_key *k, const char *s); /* 0 when s is good */
	const char *expect;		/* what a good value is, for messages */
	const struct sbx_config_key *item;	/* ARRAY and MAP: the values */
	const struct sbx_config_key *fields;	/* OBJECT: the keys, ending with { NULL } */
	const struct sbx_config_key *map_key;	/* MAP: a STRING key checking the names */
	const char *def;		/* the default as JSON text, or NULL */
	const char *env;		/* the SBX_* variable of a scalar */
};

/* The document itself: an object with the top-level keys. */
extern const struct sbx_config_key sbx_config_schema;

static inline int sbx_config_is_scalar(const struct sbx_config_key *k)
{
	return k->type <= SBX_CT_STRING;
}

/* The field of an object called name, or NULL. */
const struct sbx_config_key *sbx_config_field(const struct sbx_config_key *obj, const char *name);

/*
 * Checks v against k. path holds v's key path ("mounts[2]"; empty for the
 * document) and is restored when the value is good. raw, when set, is the text v was made
 * from (an SBX_* variable's value) and is what messages say was found.
 * Records "SOURCE: PATH: found ..., expected ..." and returns -1 on the first
 * bad value.
 */
int sbx_config_check(const struct sbx_config_key *k, const cJSON *v, const char *source,
		     struct sbx_buf *path, const char *raw);

/*
 * Splits a document that passed sbx_config_check into what an untrusted
 * project file may set (returned) and what needs trust (*needs_trust, NULL
 * when nothing does), naming each key of the latter in keys ("mounts",
 * "notify.sound"). An empty array or object sets nothing and needs nothing.
 */
cJSON *sbx_config_split_trust(const cJSON *doc, cJSON **needs_trust, struct sbx_strvec *keys);

/*
 * 0 when doc sets no key marked SBX_CK_USER_ONLY; else -1, with path holding
 * the first such key's path.
 */
int sbx_config_find_user_only(const cJSON *doc, struct sbx_buf *path);

/* Appends what a good value of k is ("a whole number from 1 to 256"). */
void sbx_config_expect(const struct sbx_config_key *k, struct sbx_buf *out);

#endif
