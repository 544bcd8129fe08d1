/* jansson.h (jansson 2.14, Homebrew's on a Mac). Stub: only what the
 * checked sources use, with jansson's prototypes; json_is_integer and
 * json_decref are macros/inline functions there, functions here. */
#ifndef JANSSON_H
#define JANSSON_H
#include <stddef.h>
typedef struct json_t json_t;
typedef long long json_int_t;
#define JSON_ERROR_TEXT_LENGTH 160
#define JSON_ERROR_SOURCE_LENGTH 80
typedef struct json_error_t {
	int line;
	int column;
	int position;
	char source[JSON_ERROR_SOURCE_LENGTH];
	char text[JSON_ERROR_TEXT_LENGTH];
} json_error_t;
#define JSON_COMPACT 0x20
#define JSON_REJECT_DUPLICATES 0x1
#define JSON_INDENT(n) ((n) & 0x1F)
json_t *json_loads(const char *input, size_t flags, json_error_t *error);
char *json_dumps(const json_t *json, size_t flags);
json_t *json_pack(const char *fmt, ...);
json_t *json_string(const char *value);
json_t *json_object_get(const json_t *object, const char *key);
int json_object_set_new(json_t *object, const char *key, json_t *value);
const char *json_string_value(const json_t *string);
json_int_t json_integer_value(const json_t *integer);
int json_is_integer(const json_t *json);
int json_is_object(const json_t *json);
int json_is_true(const json_t *json);
void json_decref(json_t *json);
#endif
