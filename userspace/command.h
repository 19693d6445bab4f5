/* SPDX-License-Identifier: GPL-2.0 */
/*
 * command.h - the command of "clonetrace -c CMD" (or "-- CMD ARGS"): its
 * words, started stopped before exec so that it is traced from its first
 * instruction, released once the tracer is ready, reaped, and stopped
 * (signal, grace, SIGKILL) when tracing ends first.
 *
 * Its exit status is reported as a shell does: 128+N when killed by
 * signal N.
 */
#ifndef CT_COMMAND_H
#define CT_COMMAND_H

#include <stdbool.h>
#include <sys/types.h>
#include <wordexp.h>

struct ct_command {
	pid_t pid;		/* 0: none started */
	int go;			/* write end: release the child */
	int err;		/* read end: errno of a failed exec */
	int status;		/* exit status once reaped; -1 before */
	wordexp_t words;	/* -c "CMD ARGS" split like the shell */
	bool have_words;
};

/*
 * -c "CMD ARGS": split into words as the shell would, without command
 * substitution or unset variables; 0, or -EINVAL.
 */
int ct_command_words(struct ct_command *c, const char *line, char ***argv);
/*
 * Can name be run, as execvp() would find it? 0; ENOENT: no such command;
 * EACCES: found, but not executable (the shell's "Permission denied");
 * EISDIR: a directory.
 */
int ct_command_find(const char *name);

/* Fork the command, stopped before exec: 0, or a negative errno. */
int ct_command_start(struct ct_command *c, char **argv);
/* Let it exec: 0, or the errno of a failed exec (it has exited). */
int ct_command_release(struct ct_command *c);
/* Has it exited? Reaps it without waiting; true once c->status is set. */
bool ct_command_poll(struct ct_command *c);
/* Wait for it to exit; its status. */
int ct_command_wait(struct ct_command *c);
/* Send it sig, unless it has exited; without waiting. */
void ct_command_signal(struct ct_command *c, int sig);
/*
 * Stop it, unless it has exited: sig (the tracer's own signal, or SIGTERM
 * when -d ran out or the output closed), five seconds' grace, then
 * SIGKILL. Its status.
 */
int ct_command_stop(struct ct_command *c, int sig);
/*
 * Close what is left open, free the words; a command never released
 * exits without exec, and is reaped.
 */
void ct_command_free(struct ct_command *c);

#endif /* CT_COMMAND_H */
