/*
 * qmp_transcript.h - the scripted QEMU side of qmp_test.c. A transcript
 * (tests/unit/data/qmp/<name>.txt, recorded by record.py there) is played
 * by a peer thread on the other end of a socketpair:
 *   S: <json>     the peer sends the line and "\r\n"
 *   C: <json>     the peer reads one client message and compares it as JSON
 *                 with the "id" value ignored (but required); the recorded
 *                 id is then replaced by the client's in later S: lines
 *   !bytewise     the next S: line goes out one byte per write
 *   !join         the next two S: lines go out in one write
 *   !raw <text>   the text goes out as is, without "\r\n"
 *   !eof          the peer closes the connection
 *   # ...         comment
 * After the script the peer expects the client to close without sending
 * anything more (unless started with handoff). Included by qmp_test.c only.
 */
#ifndef VMC_TEST_QMP_TRANSCRIPT_H
#define VMC_TEST_QMP_TRANSCRIPT_H

#define PEER_TIMEOUT_MS 5000

/* ------------------------------------------------------------ transcripts */

static char *load_transcript(const char *name)
{
	const char *dir = getenv("VMC_TEST_DATA");
	char path[512];
	char *text;
	FILE *f;
	long len;

	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/qmp/%s.txt", dir, name);
	f = fopen(path, "re");
	if (!f)
		fail_msg("cannot open transcript %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len >= 0);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return text;
}

/* The n-th (0-based) "S:" line of a transcript, without "S: ". */
static char *transcript_server_line(const char *name, int n)
{
	char *text = load_transcript(name), *line, *save = NULL, *out = NULL;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "S: ", 3) == 0 && n-- == 0) {
			out = strdup(line + 3);
			break;
		}
	}
	free(text);
	assert_non_null(out);
	return out;
}

/* ------------------------------------------------------------ peer thread */

struct peer {
	pthread_t thread;
	int fd;
	char *script;
	char failure[512];
	char rec_id[32][40], act_id[32][40];
	int n_ids;
	char rbuf[1 << 16];
	size_t rlen;
	int handoff;           /* leave the connection open after the script */
};

static void peer_fail(struct peer *p, const char *fmt, ...) VMC_PRINTF(2, 3);
static void peer_fail(struct peer *p, const char *fmt, ...)
{
	va_list ap;

	if (p->failure[0])
		return;
	va_start(ap, fmt);
	vsnprintf(p->failure, sizeof(p->failure), fmt, ap);
	va_end(ap);
}

static int peer_send(struct peer *p, const char *data, size_t len)
{
	while (len) {
		ssize_t n = send(p->fd, data, len, MSG_NOSIGNAL);

		if (n < 0) {
			peer_fail(p, "peer send: %s", strerror(errno));
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads one client line into out (NUL-terminated, without "\n"). Returns
 * 1, 0 on EOF with nothing pending, -1 on timeout or error. */
static int peer_read_line(struct peer *p, char *out, size_t out_len)
{
	for (;;) {
		char *nl = memchr(p->rbuf, '\n', p->rlen);
		struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
		ssize_t n;

		if (nl) {
			size_t len = (size_t)(nl - p->rbuf);

			if (len >= out_len)
				return -1;
			memcpy(out, p->rbuf, len);
			out[len] = '\0';
			memmove(p->rbuf, nl + 1, p->rlen - len - 1);
			p->rlen -= len + 1;
			return 1;
		}
		if (poll(&pfd, 1, PEER_TIMEOUT_MS) != 1)
			return -1;
		n = read(p->fd, p->rbuf + p->rlen, sizeof(p->rbuf) - p->rlen);
		if (n <= 0)
			return n == 0 && p->rlen == 0 ? 0 : -1;
		p->rlen += (size_t)n;
	}
}

static void peer_expect_client(struct peer *p, const char *want_text)
{
	char line[4096];
	json_t *want = NULL, *got = NULL;
	json_t *want_id, *got_id;

	if (peer_read_line(p, line, sizeof(line)) != 1) {
		peer_fail(p, "expected client message %s, got none", want_text);
		return;
	}
	want = json_loads(want_text, 0, NULL);
	got = json_loads(line, 0, NULL);
	if (!want || !got || !json_is_object(got)) {
		peer_fail(p, "client sent non-object or bad transcript: %s", line);
		goto out;
	}
	want_id = json_object_get(want, "id");
	got_id = json_object_get(got, "id");
	if (!json_is_string(got_id)) {
		peer_fail(p, "client message without a string id: %s", line);
		goto out;
	}
	if (json_is_string(want_id) && p->n_ids < 32) {
		snprintf(p->rec_id[p->n_ids], 40, "\"%s\"", json_string_value(want_id));
		snprintf(p->act_id[p->n_ids], 40, "\"%s\"", json_string_value(got_id));
		p->n_ids++;
	}
	json_object_del(want, "id");
	json_object_del(got, "id");
	if (!json_equal(want, got))
		peer_fail(p, "client sent %s, expected %s", line, want_text);
out:
	json_decref(want);
	json_decref(got);
}

/* The S: line with recorded ids replaced by the client's, plus "\r\n". */
static char *peer_render(struct peer *p, const char *line)
{
	size_t cap = strlen(line) + 64;
	char *out = malloc(cap);
	size_t o = 0;

	assert_non_null(out);
	while (*line) {
		int hit = 0;

		for (int i = 0; i < p->n_ids; i++) {
			size_t rl = strlen(p->rec_id[i]), al = strlen(p->act_id[i]);

			if (strncmp(line, p->rec_id[i], rl) == 0) {
				if (o + al + 3 > cap) {
					cap = (o + al + 3) * 2;
					out = realloc(out, cap);
					assert_non_null(out);
				}
				memcpy(out + o, p->act_id[i], al);
				o += al;
				line += rl;
				hit = 1;
				break;
			}
		}
		if (hit)
			continue;
		if (o + 3 > cap) {
			cap *= 2;
			out = realloc(out, cap);
			assert_non_null(out);
		}
		out[o++] = *line++;
	}
	memcpy(out + o, "\r\n", 3);
	return out;
}

static void *peer_main(void *arg)
{
	struct peer *p = arg;
	char *save = NULL, *line, *joined = NULL;
	int bytewise = 0, join = 0, closed = 0;
	char tail[256];

	for (line = strtok_r(p->script, "\n", &save); line && !p->failure[0];
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (strcmp(line, "!bytewise") == 0) {
			bytewise = 1;
		} else if (strcmp(line, "!join") == 0) {
			join = 2;
		} else if (strncmp(line, "!raw ", 5) == 0) {
			peer_send(p, line + 5, strlen(line + 5));
		} else if (strcmp(line, "!eof") == 0) {
			close(p->fd);
			p->fd = -1;
			closed = 1;
			break;
		} else if (strncmp(line, "C: ", 3) == 0) {
			peer_expect_client(p, line + 3);
		} else if (strncmp(line, "S: ", 3) == 0) {
			char *msg = peer_render(p, line + 3);

			if (join) {
				size_t have = joined ? strlen(joined) : 0;

				joined = realloc(joined, have + strlen(msg) + 1);
				assert_non_null(joined);
				memcpy(joined + have, msg, strlen(msg) + 1);
				if (--join == 0) {
					peer_send(p, joined, strlen(joined));
					free(joined);
					joined = NULL;
				}
			} else if (bytewise) {
				struct timespec ts = { 0, 200000 };

				for (size_t i = 0; msg[i] && !p->failure[0]; i++) {
					peer_send(p, msg + i, 1);
					nanosleep(&ts, NULL);
				}
				bytewise = 0;
			} else {
				peer_send(p, msg, strlen(msg));
			}
			free(msg);
		} else {
			peer_fail(p, "bad transcript line: %s", line);
		}
	}
	if (!closed && !p->failure[0] && !p->handoff) {
		int rc = peer_read_line(p, tail, sizeof(tail));

		if (rc != 0)
			peer_fail(p, "client sent more than the transcript: %s",
				  rc > 0 ? tail : "(partial or no EOF)");
	}
	free(joined);
	return NULL;
}

/* Starts the peer playing transcript `name`; returns the client's end. */
static struct peer *peer_start_ex(const char *name, int handoff, int *client_fd)
{
	struct peer *p = calloc(1, sizeof(*p));
	int sv[2];

	assert_non_null(p);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	p->fd = sv[1];
	p->handoff = handoff;
	p->script = load_transcript(name);
	assert_int_equal(pthread_create(&p->thread, NULL, peer_main, p), 0);
	*client_fd = sv[0];
	return p;
}

static struct peer *peer_start(const char *name, int *client_fd)
{
	return peer_start_ex(name, 0, client_fd);
}

/* Joins the peer (the client must be closed by now) and checks it. */
static void peer_finish(struct peer *p)
{
	assert_int_equal(pthread_join(p->thread, NULL), 0);
	if (p->fd >= 0)
		close(p->fd);
	free(p->script);
	if (p->failure[0])
		fail_msg("peer: %s", p->failure);
	free(p);
}

#endif
