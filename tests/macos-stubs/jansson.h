/* jansson.h (Homebrew's jansson on a Mac). Stub: only the types the
 * checked sources' headers name; the shim's JSON code itself is portable
 * C compiled on Linux. */
#ifndef JANSSON_H
#define JANSSON_H
typedef struct json_t json_t;
typedef long long json_int_t;
#endif
