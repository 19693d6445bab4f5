// SPDX-License-Identifier: GPL-2.0
/*
 * standalone.c - a small driver for fuzz_record.c where clang's libFuzzer
 * runtime is not installed (Debian: libclang-rt-14-dev): runs every seed,
 * then random mutations of them (bit flips, byte sets, cuts, inserts,
 * duplicated ranges) under AddressSanitizer and UBSan.
 *
 *   standalone [-runs=N] [-seed=S] [-close_fd_mask=M] FILE...
 *
 * -close_fd_mask as libFuzzer's: 1 silences stdout, 2 stderr.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t state = 88172645463325252ULL;

static uint64_t rnd(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

static uint8_t *load(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	if (buf && fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

static size_t mutate(uint8_t *buf, size_t len, size_t cap)
{
	int i, n = 1 + rnd() % 4;

	for (i = 0; i < n; i++) {
		size_t at = len ? rnd() % len : 0, k;

		switch (rnd() % 5) {
		case 0:
			if (len)
				buf[at] ^= 1 << (rnd() % 8);
			break;
		case 1:
			if (len)
				buf[at] = rnd();
			break;
		case 2:
			len = at;
			break;
		case 3:
			if (len < cap) {
				memmove(buf + at + 1, buf + at, len - at);
				buf[at] = rnd();
				len++;
			}
			break;
		default:
			k = 1 + rnd() % 16;
			if (len + k <= cap && at + k <= len) {
				memmove(buf + at + k, buf + at, len - at);
				len += k;
			}
			break;
		}
	}
	return len;
}

int main(int argc, char **argv)
{
	long runs = 20000, r;
	int quiet = 0, out = dup(1), null = open("/dev/null", O_WRONLY);
	uint8_t *seeds[256], *buf;
	size_t lens[256], nseeds = 0, cap = 1 << 16, len;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "-runs=", 6))
			runs = atol(argv[i] + 6);
		else if (!strncmp(argv[i], "-seed=", 6))
			state = strtoull(argv[i] + 6, NULL, 0) | 1;
		else if (!strncmp(argv[i], "-close_fd_mask=", 15))
			quiet = atoi(argv[i] + 15);
		else if (nseeds < 256 &&
			 (seeds[nseeds] = load(argv[i], &lens[nseeds])))
			nseeds++;
	}
	buf = malloc(cap);
	if (!nseeds || !buf) {
		fprintf(stderr, "standalone: no seeds\n");
		return 1;
	}
	if (quiet & 1)
		dup2(null, 1);
	if (quiet & 2)
		dup2(null, 2);
	for (i = 0; i < (int)nseeds; i++)
		LLVMFuzzerTestOneInput(seeds[i], lens[i]);
	for (r = 0; r < runs; r++) {
		size_t s = rnd() % nseeds;
		uint8_t *in;

		len = lens[s] < cap ? lens[s] : cap;
		memcpy(buf, seeds[s], len);
		len = mutate(buf, len, cap);
		/* an exact-size copy, so that ASan sees reads past the end */
		in = malloc(len ? len : 1);
		memcpy(in, buf, len);
		LLVMFuzzerTestOneInput(in, len);
		free(in);
	}
	dprintf(out, "standalone: %ld runs over %zu seeds, no crash\n", runs,
		nseeds);
	for (i = 0; i < (int)nseeds; i++)
		free(seeds[i]);
	free(buf);
	return 0;
}
