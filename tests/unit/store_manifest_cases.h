/*
 * store_manifest_cases.h - the manifest / index and image config parser
 * cases of store_test.c (kept apart to keep each file readable): accepted
 * shapes, one rejection per malformed or unsupported form, platform
 * selection.
 */
#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"
#define CFG "{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" D1 "\",\"size\":10}"
#define LAYER(mt) "{\"mediaType\":\"" mt "\",\"digest\":\"" D2 "\",\"size\":20}"
#define ENTRY(os, arch, var, d)                                                                     \
	"{\"mediaType\":\"" OCI_MT_MANIFEST "\",\"digest\":\"" d "\",\"size\":5,\"platform\":{\"os\":\"" os \
	"\",\"architecture\":\"" arch "\"" var "}}"

static void store__manifest_parse(void **state)
{
	const char *oci = "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_MANIFEST "\",\"config\":" CFG
			  ",\"layers\":[" LAYER("application/vnd.oci.image.layer.v1.tar+gzip") ","
			  LAYER("application/vnd.oci.image.layer.v1.tar+zstd") ","
			  LAYER("application/vnd.oci.image.layer.v1.tar") "],\"annotations\":{\"a\":\"b\"}}";
	const char *docker = "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_DOCKER_MANIFEST "\","
			     "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\","
			     "\"digest\":\"" D1 "\",\"size\":10},\"layers\":["
			     LAYER("application/vnd.docker.image.rootfs.diff.tar.gzip") "]}";
	const char *bare = "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":[]}";
	const char *index = "{\"schemaVersion\":2,\"manifests\":[" ENTRY("linux", "amd64", "", D2) "]}";
	struct oci_manifest *m = NULL;

	(void)state;
	assert_int_equal(oci_manifest_parse(&m, oci, strlen(oci), OCI_MT_MANIFEST), 0);
	assert_int_equal(m->kind, OCI_KIND_MANIFEST);
	assert_string_equal(m->config.digest, D1);
	assert_int_equal(m->config.size, 10);
	assert_int_equal(m->n_layers, 3);
	assert_int_equal(m->layers[0].compression, OCI_COMP_GZIP);
	assert_int_equal(m->layers[1].compression, OCI_COMP_ZSTD);
	assert_int_equal(m->layers[2].compression, OCI_COMP_NONE);
	oci_manifest_free(m);
	assert_int_equal(oci_manifest_parse(&m, docker, strlen(docker), NULL), 0);
	assert_int_equal(m->layers[0].compression, OCI_COMP_GZIP);
	oci_manifest_free(m);
	assert_int_equal(oci_manifest_parse(&m, bare, strlen(bare), NULL), 0);
	assert_int_equal(m->kind, OCI_KIND_MANIFEST);
	assert_string_equal(m->media_type, OCI_MT_MANIFEST);
	oci_manifest_free(m);
	assert_int_equal(oci_manifest_parse(&m, index, strlen(index), NULL), 0);
	assert_int_equal(m->kind, OCI_KIND_INDEX);
	assert_int_equal(m->n_manifests, 1);
	assert_string_equal(m->manifests[0].platform.architecture, "amd64");
	oci_manifest_free(m);
	oci_manifest_free(NULL);
}

struct man_bad {
	const char *doc, *content_type;
	int rc;
	const char *why;
};

static void store__manifest_rejects(void **state)
{
	static const struct man_bad cases[] = {
		{ "[]", NULL, VMC_EPROTO, "not a JSON object" },
		{ "{", NULL, VMC_EPROTO, "invalid JSON" },
		{ "{\"schemaVersion\":1,\"fsLayers\":[]}", NULL, VMC_EUNSUPPORTED, "schemaVersion 1" },
		{ "{\"schemaVersion\":\"2\"}", NULL, VMC_EPROTO, "not an integer" },
		{ "{\"schemaVersion\":2.0}", NULL, VMC_EPROTO, "not an integer" },
		{ "{\"schemaVersion\":2,\"schemaVersion\":2}", NULL, VMC_EPROTO, "invalid JSON" },
		{ "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v1+json\"}",
		  NULL, VMC_EUNSUPPORTED, "unsupported media type" },
		{ "{\"schemaVersion\":2,\"mediaType\":7}", NULL, VMC_EPROTO, "not a string" },
		{ "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":[]}", "text/html", VMC_EUNSUPPORTED,
		  "unsupported content type" },
		{ "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_MANIFEST "\",\"config\":" CFG ",\"layers\":[]}",
		  OCI_MT_INDEX, VMC_EPROTO, "served as" },
		{ "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":[],\"manifests\":[]}", NULL, VMC_EPROTO,
		  "both" },
		{ "{\"schemaVersion\":2,\"layers\":[]}", NULL, VMC_EPROTO, "missing 'config'" },
		{ "{\"schemaVersion\":2,\"config\":" CFG "}", NULL, VMC_EPROTO, "missing 'layers'" },
		{ "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":{}}", NULL, VMC_EPROTO, "not an array" },
		{ "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":[7]}", NULL, VMC_EPROTO, "not an object" },
		{ "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
		  "\"digest\":\"sha256:../../x\",\"size\":1}]}", NULL, VMC_EPROTO, "digest" },
		{ "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
		  "\"digest\":\"" D2 "\",\"size\":\"1\"}]}", NULL, VMC_EPROTO, "'size'" },
		{ "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
		  "\"digest\":\"" D2 "\",\"size\":-1}]}", NULL, VMC_EPROTO, "'size'" },
		{ "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
		  "\"digest\":\"" D2 "\",\"size\":1,\"urls\":[\"http://x\"]}]}", NULL, VMC_EUNSUPPORTED, "foreign" },
		{ "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":[" LAYER("application/x-evil") "]}", NULL,
		  VMC_EUNSUPPORTED, "unsupported media type 'application/x-evil'" },
		{ "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.cncf.helm.config.v1+json\","
		  "\"digest\":\"" D1 "\",\"size\":1},\"layers\":[]}", NULL, VMC_EUNSUPPORTED, "not a container image" },
		{ "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" OCI_MT_MANIFEST "\",\"digest\":\"" D2 "\","
		  "\"size\":1,\"platform\":{\"os\":\"linux\"}}]}", NULL, VMC_EPROTO, "missing 'architecture'" },
		{ "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" OCI_MT_MANIFEST "\",\"digest\":\"" D2 "\","
		  "\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}}]}",
		  NULL, VMC_EPROTO, "longer than" },
		{ "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_INDEX "\",\"config\":" CFG ",\"layers\":[]}", NULL,
		  VMC_EPROTO, "index: has 'layers'" },
	};
	struct oci_manifest *m = NULL;
	char *big;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = oci_manifest_parse(&m, cases[i].doc, strlen(cases[i].doc), cases[i].content_type);

		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d, want %d (%s)", i, rc, cases[i].rc,
				 rc ? vmc_error_last() : "accepted");
		if (!strstr(vmc_error_last(), cases[i].why))
			fail_msg("case %zu: message '%s' lacks '%s'", i, vmc_error_last(), cases[i].why);
	}
	/* more layers than the cap */
	{
		size_t cap = 64 + (OCI_MANIFEST_ENTRIES_MAX + 1) * (strlen(LAYER("x")) + 1) + 256, used;

		big = malloc(cap);
		assert_non_null(big);
		used = (size_t)snprintf(big, cap, "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":[");
		for (i = 0; i <= OCI_MANIFEST_ENTRIES_MAX; i++)
			used += (size_t)snprintf(big + used, cap - used, "%s" LAYER("x"), i ? "," : "");
		used += (size_t)snprintf(big + used, cap - used, "]}");
		assert_int_equal(oci_manifest_parse(&m, big, used, NULL), VMC_EPROTO);
		assert_non_null(strstr(vmc_error_last(), "more than"));
		free(big);
	}
	assert_int_equal(oci_manifest_parse(&m, "{}", OCI_MANIFEST_MAX + 1, NULL), VMC_EINVAL);
}

static void store__index_select(void **state)
{
	const char *index = "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_INDEX "\",\"manifests\":["
			    "{\"mediaType\":\"" OCI_MT_MANIFEST "\",\"digest\":\"" D1 "\",\"size\":5,"
			    "\"platform\":{\"os\":\"unknown\",\"architecture\":\"unknown\"}},"
			    ENTRY("linux", "arm", ",\"variant\":\"v6\"", D1) ","
			    ENTRY("linux", "arm", ",\"variant\":\"v7\"", D2) ","
			    ENTRY("linux", "arm64", "", D3) ","
			    ENTRY("linux", "amd64", "", D2) "]}";
	struct oci_platform want, host;
	const struct oci_descriptor *d = NULL;
	struct oci_manifest *m = NULL;

	(void)state;
	assert_int_equal(oci_manifest_parse(&m, index, strlen(index), OCI_MT_INDEX), 0);
	memset(&want, 0, sizeof(want));
	snprintf(want.os, sizeof(want.os), "linux");
	snprintf(want.architecture, sizeof(want.architecture), "amd64");
	assert_int_equal(oci_index_select(m, &want, &d), 0);
	assert_string_equal(d->digest, D2);
	snprintf(want.architecture, sizeof(want.architecture), "arm64");
	snprintf(want.variant, sizeof(want.variant), "v8"); /* entry without a variant: arm64's default */
	assert_int_equal(oci_index_select(m, &want, &d), 0);
	assert_string_equal(d->digest, D3);
	snprintf(want.architecture, sizeof(want.architecture), "arm");
	snprintf(want.variant, sizeof(want.variant), "v7");
	assert_int_equal(oci_index_select(m, &want, &d), 0);
	assert_string_equal(d->digest, D2);
	snprintf(want.variant, sizeof(want.variant), "v5");
	assert_int_equal(oci_index_select(m, &want, &d), VMC_ENOTFOUND);
	snprintf(want.architecture, sizeof(want.architecture), "s390x");
	want.variant[0] = '\0';
	assert_int_equal(oci_index_select(m, &want, &d), VMC_ENOTFOUND);
	assert_non_null(strstr(vmc_error_last(), "linux/arm/v7, linux/arm64, linux/amd64"));
	oci_platform_host(&host);
	assert_string_equal(host.os, "linux");
	assert_true(host.architecture[0] != '\0');
	oci_manifest_free(m);
}

static void store__config_parse(void **state)
{
	const char *full = "{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\",\"config\":{"
			   "\"Entrypoint\":[\"/bin/sh\",\"-c\"],\"Cmd\":[\"echo hi\"],"
			   "\"Env\":[\"PATH=/usr/bin:/bin\",\"EMPTY=\"],\"WorkingDir\":\"/srv\","
			   "\"User\":\"1000:1000\",\"Labels\":{\"a\":\"b\"}},\"rootfs\":{\"type\":\"layers\"},"
			   "\"history\":[]}";
	const char *nulls = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Entrypoint\":null,"
			    "\"Cmd\":null,\"Env\":null,\"WorkingDir\":\"\",\"User\":\"\"}}";
	static const struct man_bad bad[] = {
		{ "[]", NULL, VMC_EPROTO, "not a JSON object" },
		{ "{\"os\":7}", NULL, VMC_EPROTO, "os is not a string" },
		{ "{\"config\":[]}", NULL, VMC_EPROTO, "'config' is not an object" },
		{ "{\"config\":{\"Cmd\":\"echo hi\"}}", NULL, VMC_EPROTO, "Cmd is not an array" },
		{ "{\"config\":{\"Cmd\":[\"a\",1]}}", NULL, VMC_EPROTO, "Cmd is not a string" },
		{ "{\"config\":{\"Cmd\":[\"a\\u0000b\"]}}", NULL, VMC_EPROTO, "NUL byte" },
		{ "{\"config\":{\"Env\":[\"NOEQUALS\"]}}", NULL, VMC_EPROTO, "not KEY=VALUE" },
		{ "{\"config\":{\"Env\":[\"=x\"]}}", NULL, VMC_EPROTO, "not KEY=VALUE" },
		{ "{\"config\":{\"WorkingDir\":\"relative\"}}", NULL, VMC_EPROTO, "not absolute" },
		{ "{\"config\":{\"User\":[]}}", NULL, VMC_EPROTO, "User is not a string" },
		{ "{\"config\":{},\"config\":{}}", NULL, VMC_EPROTO, "invalid JSON" },
	};
	struct oci_config *c = NULL;
	size_t i;

	(void)state;
	assert_int_equal(oci_config_parse(&c, full, strlen(full)), 0);
	assert_string_equal(c->platform.architecture, "arm64");
	assert_string_equal(c->platform.variant, "v8");
	assert_int_equal(c->n_entrypoint, 2);
	assert_string_equal(c->entrypoint[1], "-c");
	assert_null(c->entrypoint[2]);
	assert_int_equal(c->n_cmd, 1);
	assert_string_equal(c->cmd[0], "echo hi");
	assert_int_equal(c->n_env, 2);
	assert_string_equal(c->env[1], "EMPTY=");
	assert_string_equal(c->working_dir, "/srv");
	assert_string_equal(c->user, "1000:1000");
	oci_config_free(c);
	assert_int_equal(oci_config_parse(&c, nulls, strlen(nulls)), 0);
	assert_null(c->entrypoint);
	assert_null(c->cmd);
	assert_int_equal(c->n_env, 0);
	assert_null(c->working_dir);
	assert_null(c->user);
	oci_config_free(c);
	oci_config_free(NULL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = oci_config_parse(&c, bad[i].doc, strlen(bad[i].doc));

		if (rc != bad[i].rc)
			fail_msg("config case %zu: rc %d, want %d", i, rc, bad[i].rc);
		if (!strstr(vmc_error_last(), bad[i].why))
			fail_msg("config case %zu: message '%s' lacks '%s'", i, vmc_error_last(),
				 bad[i].why);
	}
	assert_int_equal(oci_config_parse(&c, "{}", OCI_CONFIG_MAX + 1), VMC_EINVAL);
}
