/* JSON with comments: parsing, positions of errors, helpers. */
#include "tap.h"

#include "json.h"
#include "xalloc.h"

#include <unistd.h>

static int parse(const char *text, cJSON **out)
{
	return sbx_jsonc_parse(text, strlen(text), "t.json", out);
}

static void test_jsonc(void)
{
	cJSON *j = NULL;
	const char *text =
		"// leading comment\n"
		"{\n"
		"  /* block\n     comment */ \"a\": \"x // not a comment\",\n"
		"  \"b\": [1, 2, ], // trailing comma in an array\n"
		"  \"c\": {\"d\": true,},\n"
		"  \"e\": \"a /* b */ c\",\n"
		"}\n";

	is_int(parse(text, &j), 0, "comments and trailing commas are accepted");
	is_str(sbx_json_get_string(j, "a"), "x // not a comment", "// inside a string is data");
	is_str(sbx_json_get_string(j, "e"), "a /* b */ c", "so is /* */");
	is_int(cJSON_GetArraySize(cJSON_GetObjectItem(j, "b")), 2, "the array has its 2 items");
	is_int(sbx_json_get_bool(cJSON_GetObjectItem(j, "c"), "d", 0), 1, "nested values read");
	cJSON_Delete(j);

	is_int(parse("{\n  \"a\": 1\n  \"b\": 2\n}\n", &j), -1, "a missing comma is refused");
	like(sbx_last_error(), "t.json:3:", "at the line of the error");
	is_int(parse("{\"a\": \"\\\"\" , }", &j), 0, "an escaped quote does not end a string");
	cJSON_Delete(j);
	is_int(parse("{\n  \"a\": tru\n}", &j), -1, "a bad literal is refused");
	like(sbx_last_error(), "t.json:2:", "on line 2");
	is_int(parse("", &j), -1, "an empty text is refused");
	like(sbx_last_error(), "empty", "as empty");
	is_int(parse("  \n// only a comment\n", &j), -1, "a text of only comments is empty too");
	is_int(parse("{\"a\": 1", &j), -1, "an unterminated object is refused");
	like(sbx_last_error(), "t.json:1:", "with its position");
	is_int(parse("{} {}", &j), -1, "trailing garbage is refused");
	is_int(parse("{ /* never closed", &j), -1, "an unterminated comment is refused");
	ok(sbx_jsonc_parse("{}\0{}", 5, "t.json", &j) == -1, "a NUL byte is refused");
}

static void test_describe(void)
{
	cJSON *j = NULL;
	char *d;

	parse("{\"s\": \"yes\", \"n\": 3, \"b\": false, \"a\": [], \"o\": {}, \"z\": null}", &j);
	d = sbx_json_describe(cJSON_GetObjectItem(j, "s"));
	is_str(d, "string \"yes\"", "a string is described with its value");
	free(d);
	d = sbx_json_describe(cJSON_GetObjectItem(j, "n"));
	is_str(d, "number 3", "a number too");
	free(d);
	d = sbx_json_describe(cJSON_GetObjectItem(j, "b"));
	is_str(d, "boolean false", "a boolean too");
	free(d);
	d = sbx_json_describe(cJSON_GetObjectItem(j, "a"));
	is_str(d, "array", "an array by its type");
	free(d);
	cJSON_Delete(j);
}

static void test_write(void)
{
	char dir[] = "/tmp/sbx-json.XXXXXX";
	char *path;
	cJSON *j = sbx_json_new_object(), *back = NULL;

	mkdtemp(dir);
	path = sbx_asprintf("%s/out.json", dir);
	sbx_json_add_string(j, "k", "v \"quoted\"\n");
	is_int(sbx_json_write_file(path, j, 0600, 1), 0, "a document is written");
	is_int(sbx_jsonc_read_file(path, &back), 0, "and reads back");
	is_str(sbx_json_get_string(back, "k"), "v \"quoted\"\n", "unchanged");
	cJSON_Delete(back);
	unlink(path);
	rmdir(dir);
	is_int(sbx_jsonc_read_file(path, &back) < 0 ? -1 : 0, -1, "a missing file is an error");
	like(sbx_last_error(), "cannot read", "naming the file");
	cJSON_Delete(j);
	free(path);
}

int main(void)
{
	test_jsonc();
	test_describe();
	test_write();
	return done_testing();
}
