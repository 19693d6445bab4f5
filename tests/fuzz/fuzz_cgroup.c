// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_cgroup.c - libFuzzer target for the cgroup path -> container
 * parser (userspace/identity.c): cgroup names are chosen by whoever may
 * create cgroups. Any bytes must parse without reading out of bounds,
 * and what is found must be well formed and taken from the input.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static const char *const runtimes[] = {
	"docker", "containerd", "cri-o", "podman",
};

static int hexdigit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_container c;
	char *copy = malloc(size ? size : 1);	/* exact size: ASan sees overruns */
	bool found;
	size_t i;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	found = ct_container_parse(copy, size, &c);
	CHECK(found == (c.runtime || c.pod_uid[0]));
	if (c.runtime) {
		bool known = false;

		for (i = 0; i < sizeof(runtimes) / sizeof(runtimes[0]); i++)
			known |= !strcmp(c.runtime, runtimes[i]);
		CHECK(known);
		CHECK(strlen(c.id) == CT_CONTAINER_ID_LEN);
		for (i = 0; i < CT_CONTAINER_ID_LEN; i++)
			CHECK(hexdigit(c.id[i]));
		CHECK(memmem(copy, size, c.id, CT_CONTAINER_ID_LEN));
	} else {
		CHECK(!c.id[0]);
	}
	if (c.pod_uid[0]) {
		CHECK(strlen(c.pod_uid) == CT_POD_UID_LEN);
		for (i = 0; i < CT_POD_UID_LEN; i++)
			CHECK(i == 8 || i == 13 || i == 18 || i == 23 ?
			      c.pod_uid[i] == '-' : hexdigit(c.pod_uid[i]));
		CHECK(memmem(copy, size, "kubepods", 8));
	}
	free(copy);
	return 0;
}
