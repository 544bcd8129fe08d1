/*
 * seed_tools.h - helpers of seed_test.c, included by it only: running a
 * tool from an argv with its stdout captured (spawn_process, no shell),
 * loading YAML files with Python's yaml module into one JSON array,
 * reaching into that JSON by "a.0.b" paths, temporary directories, and the
 * deterministic generator of hostile strings (xorshift; atoms of quotes,
 * escapes, controls, YAML indicators, shell metacharacters, unicode and
 * flagged invalid UTF-8) behind the property test.
 */
#ifndef VMC_TEST_SEED_TOOLS_H
#define VMC_TEST_SEED_TOOLS_H

#include "run_tool.h"

/* Python reads each file as UTF-8 YAML (PyYAML safe_load, as cloud-init)
 * and prints one JSON array of the documents; b64 write_files content is
 * decoded and added as content_hex. */
static const char py_load[] =
	"import sys, json, yaml, base64\n"
	"out = []\n"
	"for p in sys.argv[1:]:\n"
	"    with open(p, 'rb') as f:\n"
	"        doc = yaml.safe_load(f.read().decode('utf-8'))\n"
	"    if isinstance(doc, dict):\n"
	"        for w in doc.get('write_files') or []:\n"
	"            if w.get('encoding') == 'b64':\n"
	"                w['content_hex'] = base64.b64decode(w['content'], validate=True).hex()\n"
	"    out.append(doc)\n"
	"sys.stdout.write(json.dumps(out))\n";

static int tool_exists(const char *name)
{
	static const char *const dirs[] = { "/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/" };
	char p[256];
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", dirs[i], name);
		if (access(p, X_OK) == 0)
			return 1;
	}
	return 0;
}

/* Loads YAML files with PyYAML; returns the JSON array (one per file). */
static json_t *py_yaml_load(char **files, size_t n)
{
	const char **argv = calloc(n + 4, sizeof(*argv));
	json_error_t jerr;
	json_t *arr;
	char *out = NULL;
	size_t i;
	int st;

	assert_non_null(argv);
	argv[0] = "python3";
	argv[1] = "-c";
	argv[2] = py_load;
	for (i = 0; i < n; i++)
		argv[3 + i] = files[i];
	st = run_tool(argv, &out, NULL);
	free(argv);
	if (st != 0)
		fail_msg("python3 yaml load failed with status %d", st);
	arr = json_loads(out, 0, &jerr);
	if (!arr)
		fail_msg("python output is not JSON: %s", jerr.text);
	free(out);
	assert_true(json_is_array(arr));
	assert_int_equal(json_array_size(arr), n);
	return arr;
}

/* Follows "a.b.0.c" through objects and arrays; NULL if absent. */
static json_t *jget(json_t *v, const char *path)
{
	char key[128];

	while (v && *path) {
		size_t len = strcspn(path, ".");
		char *end;

		assert_true(len < sizeof(key));
		memcpy(key, path, len);
		key[len] = '\0';
		path += len + (path[len] == '.');
		if (json_is_array(v)) {
			long idx = strtol(key, &end, 10);

			if (*end)
				return NULL;
			if (idx < 0)
				idx += (long)json_array_size(v);
			v = json_array_get(v, (size_t)idx);
		} else {
			v = json_object_get(v, key);
		}
	}
	return v;
}

static void expect_str(json_t *doc, const char *path, const char *want)
{
	json_t *v = jget(doc, path);

	if (!json_is_string(v))
		fail_msg("%s: not a string", path);
	if (strlen(want) != json_string_length(v) || strcmp(json_string_value(v), want) != 0)
		fail_msg("%s: got \"%s\", want \"%s\"", path, json_string_value(v), want);
}

struct tmpdir {
	char path[64];
};

static void tmpdir_make(struct tmpdir *t)
{
	snprintf(t->path, sizeof(t->path), "/tmp/vmc-seed-test-XXXXXX");
	assert_non_null(mkdtemp(t->path));
}

static char *tmp_file(struct tmpdir *t, const char *name)
{
	char *p = fs_join(t->path, name);

	assert_non_null(p);
	return p;
}

static void write_text(const char *path, const char *text, size_t len)
{
	assert_int_equal(fs_write_atomic(path, text, len, 0600, 0), 0);
}

static int dir_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Returns a copy of s with every `from` replaced by `to` (caller frees). */
static char *replace_all(const char *s, const char *from, const char *to)
{
	struct yaml_buf b = { 0 };
	const char *hit;

	while ((hit = strstr(s, from)) != NULL) {
		yaml_buf_add(&b, s, (size_t)(hit - s));
		yaml_buf_puts(&b, to);
		s = hit + strlen(from);
	}
	yaml_buf_puts(&b, s);
	assert_int_equal(yaml_buf_done(&b), 0);
	return b.data;
}

struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dULL;
}

static unsigned int rng_below(struct rng *r, unsigned int n)
{
	return (unsigned int)(rng_next(r) % n);
}

/* Pieces of hostile strings; `bad` ones make the string invalid UTF-8
 * whatever surrounds them (a lone continuation byte follows an ASCII one). */
static const struct atom {
	const char *s;
	int bad;
} atoms[] = {
	{ "a", 0 }, { "Z9", 0 }, { " ", 0 }, { "\"", 0 }, { "'", 0 }, { "\\", 0 },
	{ "\\n", 0 }, { "\\x41", 0 }, { "\n", 0 }, { "\r\n", 0 }, { "\t", 0 }, { "\x01", 0 },
	{ "\x1b[31m", 0 }, { "\x7f", 0 }, { ":", 0 }, { ": x", 0 }, { "- ", 0 }, { "#", 0 },
	{ " #c", 0 }, { "&a", 0 }, { "*a", 0 }, { "!!binary", 0 }, { "|", 0 }, { ">-", 0 },
	{ "%YAML", 0 }, { "@", 0 }, { "`id`", 0 }, { "{a: b}", 0 }, { "[1, 2]", 0 }, { ",", 0 },
	{ "? ", 0 }, { "---", 0 }, { "...", 0 }, { "null", 0 }, { "~", 0 }, { "yes", 0 },
	{ "No", 0 }, { "0x1F", 0 }, { "1e3", 0 }, { "0o17", 0 }, { ".inf", 0 }, { "<<", 0 },
	{ "$(reboot)", 0 }, { "';rm -rf /;'", 0 }, { "${IFS}", 0 }, { "%s%n", 0 },
	{ "\xc2\x80", 0 }, { "\xc2\x85", 0 }, { "\xc2\x9f", 0 }, { "\xc2\xa0", 0 },
	{ "\xc3\xa9", 0 }, { "\xe2\x80\xa8", 0 }, { "\xe2\x80\xa9", 0 }, { "\xef\xbb\xbf", 0 },
	{ "\xef\xbf\xbe", 0 }, { "\xef\xbf\xbf", 0 }, { "\xf0\x9f\x98\x80", 0 },
	{ "\xe4\xb8\xad", 0 }, { "\xd8\xa7", 0 }, { "\xf4\x8f\xbf\xbf", 0 }, { "\xe2\x80\xae", 0 },
	{ "\xff", 1 }, { "a\x80", 1 }, { "\xc0\x80", 1 }, { "\xed\xa0\x80", 1 },
	{ "\xf4\x90\x80\x80", 1 }, { "\xe2\x82", 1 }, { "\xc3", 1 }, { "\xf8\x88\x80\x80\x80", 1 },
};

#define N_ATOMS (sizeof(atoms) / sizeof(atoms[0]))
#define GEN_MAX 256

/* Fills buf with 1..max_atoms atoms (bad ones only with allow_bad).
 * Returns 1 if the result is invalid UTF-8. */
static int gen_hostile(struct rng *r, char *buf, unsigned int max_atoms, int allow_bad)
{
	unsigned int n = 1 + rng_below(r, max_atoms), i;
	size_t len = 0;
	int bad = 0;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		const struct atom *a = &atoms[rng_below(r, N_ATOMS)];
		size_t al = strlen(a->s);

		if (a->bad && (!allow_bad || rng_below(r, 4) != 0))
			continue;
		if (len + al >= GEN_MAX)
			break;
		memcpy(buf + len, a->s, al + 1);
		len += al;
		bad |= a->bad;
	}
	return bad;
}

static void gen_word(struct rng *r, char *buf, const char *first, const char *rest,
		     unsigned int maxlen)
{
	unsigned int n = 1 + rng_below(r, maxlen), i;

	buf[0] = first[rng_below(r, (unsigned int)strlen(first))];
	for (i = 1; i < n; i++)
		buf[i] = rest[rng_below(r, (unsigned int)strlen(rest))];
	buf[n] = '\0';
}

#endif
