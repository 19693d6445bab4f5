/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spawners.h - creations counted per creating process (TGID), and the
 * ranking of the processes that created most: --spawners and report's
 * spawners section, and the per-interval counts that --alert watches.
 */
#ifndef CT_SPAWNERS_H
#define CT_SPAWNERS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ct_event.h"
#include "decode.h"

/* -e exec,exit: what a spawner's children became (its row's kids). */
#define CT_KIDS_PROGS	8	/* programs kept by name; the rest: other */
#define CT_KIDS_CODES	8	/* exit codes kept; the rest: other */

struct ct_kids {
	uint64_t execs, exec_failed, exits;	/* exits: processes ended */
	struct {
		char filename[CT_PATH_TEXT];	/* ct_exec_program() */
		uint64_t n;
	} progs[CT_KIDS_PROGS];
	size_t nprogs;
	uint64_t other_progs;
	struct {
		int32_t code;			/* wait status */
		uint64_t n;
	} codes[CT_KIDS_CODES];
	size_t ncodes;
	uint64_t other_codes;
	uint64_t *life;				/* lifetimes, ns */
	size_t nlife, caplife;
};

struct ct_spawner {
	uint64_t by_kind[CT_KIND_NR];	/* created */
	uint64_t created;
	uint64_t failed;
	uint64_t interval;		/* created since the last reset */
	uint32_t pid;			/* TGID of the creator */
	char comm[CT_COMM_LEN];		/* latest seen */
	struct ct_kids *kids;		/* NULL: no exec or exit seen */
};

struct ct_spawners;

struct ct_spawners *ct_spawners_new(void);
void ct_spawners_free(struct ct_spawners *s);
int ct_spawners_add(struct ct_spawners *s, const struct ct_event *e);
/*
 * An exec or exit event (-e): counted for the parent of its task, the
 * spawner whose child it is (exits: only a process's last thread).
 */
int ct_spawners_life(struct ct_spawners *s, const struct ct_event *e);
size_t ct_spawners_len(const struct ct_spawners *s);
struct ct_spawner *ct_spawners_at(struct ct_spawners *s, size_t i);
/* Sorted by created, then failed, descending: an array to free(). */
struct ct_spawner **ct_spawners_sorted(struct ct_spawners *s, size_t *n);
void ct_spawners_reset_interval(struct ct_spawners *s);

void ct_spawners_print(FILE *f, struct ct_spawners *s, size_t rows,
		       uint64_t duration_ns);
void ct_spawners_json(FILE *f, struct ct_spawners *s, size_t rows,
		      uint64_t duration_ns);

#endif /* CT_SPAWNERS_H */
