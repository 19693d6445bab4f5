/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lab.h - helpers shared by the clonetrace lab programs (docs/LABS.md).
 *
 * A lab program performs one experiment and states what it observed as
 * JSON lines on stdout, one object per fact:
 *
 *	{"lab":"fork","fact":"child","pid":1234,"tid":1234}
 *
 * tools/labs/run-labs runs it under clonetrace and compares those facts
 * with the creation events the tracer recorded.
 *
 * Exit status: 0 done, 77 skip (no privilege or kernel feature), 99 the
 * program could not perform the experiment.
 */
#ifndef LAB_H
#define LAB_H

#include <stdint.h>
#include <sys/types.h>

#define LAB_SKIP	77
#define LAB_FAIL	99

/* uapi clone flag values, spelled out so no header mix is needed */
#define L_CLONE_VM		0x00000100ULL
#define L_CLONE_FS		0x00000200ULL
#define L_CLONE_FILES		0x00000400ULL
#define L_CLONE_SIGHAND		0x00000800ULL
#define L_CLONE_PIDFD		0x00001000ULL
#define L_CLONE_VFORK		0x00004000ULL
#define L_CLONE_PARENT		0x00008000ULL
#define L_CLONE_THREAD		0x00010000ULL
#define L_CLONE_NEWNS		0x00020000ULL
#define L_CLONE_PARENT_SETTID	0x00100000ULL
#define L_CLONE_NEWPID		0x20000000ULL
#define L_CLONE_NEWNET		0x40000000ULL
#define L_CLONE_INTO_CGROUP	0x200000000ULL

void lab_init(const char *name);
void lab_die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void lab_skip(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* One fact: "key":value pairs already formatted as JSON, after "fact". */
void lab_fact(const char *fact, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

pid_t lab_gettid(void);
long lab_raw_clone(uint64_t flags, int exit_signal);
/* Read/write one int through a pipe; dies on a short transfer. */
void lab_send(int fd, long v);
long lab_recv(int fd);
void lab_pipe(int fds[2]);
/* waitpid() with __WALL; dies unless the child exited with status 0. */
void lab_reap(pid_t pid);
uint64_t lab_now_ns(void);
/* kcmp(2): 0 when tasks a and b share the object of this KCMP_ type. */
int lab_kcmp(pid_t a, pid_t b, int type);

#endif /* LAB_H */
