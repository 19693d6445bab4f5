/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tree.h - the tree of creations seen: who created whom, pstree-like.
 *
 * A node is a process (keyed by TGID while it is the newest with that
 * TGID), a thread, or a failed creation. Creations by any thread of a
 * process hang under the process. Runs of identical siblings (same kind,
 * syscall, flags, comm, errno and identical subtrees) print as one line
 * with a count: "×500 threads".
 */
#ifndef CT_TREE_H
#define CT_TREE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ct_event.h"

#define CT_TREE_MAX_NODES	(1U << 20)
#define CT_TREE_MAX_DEPTH	100

struct ct_tree;

struct ct_tree *ct_tree_new(uint32_t max_nodes);
void ct_tree_free(struct ct_tree *t);
/* Returns 0, or -ENOSPC when the node limit dropped it (counted). */
int ct_tree_add(struct ct_tree *t, const struct ct_event *e);
/*
 * A process that existed when tracing started (a -p target, ppid 0, and
 * those listed below it, each after its parent): a node of its own,
 * under its parent's, so that what it creates hangs where it belongs.
 * 0, or -ENOSPC/-ENOMEM.
 */
int ct_tree_existing(struct ct_tree *t, uint32_t pid, uint32_t ppid,
		     const char *comm);
/*
 * The creations of TGID lost to a full ring buffer: its node says so
 * (one is made, a root, when none of its creations was seen). 0, or
 * -ENOSPC/-ENOMEM.
 */
int ct_tree_lost(struct ct_tree *t, uint32_t tgid, const char *comm,
		 uint64_t lost);
uint64_t ct_tree_nodes(const struct ct_tree *t);

void ct_tree_print(struct ct_tree *t, FILE *f);
/* {"event":"tree",...} on one line */
void ct_tree_json(struct ct_tree *t, FILE *f);
/* Graphviz */
void ct_tree_dot(struct ct_tree *t, FILE *f);

#endif /* CT_TREE_H */
