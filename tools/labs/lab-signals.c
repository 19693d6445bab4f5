// SPDX-License-Identifier: GPL-2.0
/*
 * lab-signals - lab 8: threads share signal handlers (one sighand) but
 * each has its own signal mask. A process-directed signal goes to a
 * thread that does not block it.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/kcmp.h>

#include "lab.h"

static sem_t to_main, to_thread;
static volatile pid_t thread_tid, usr2_ran_in;
static int usr1_seen_by_thread;

static void on_usr1(int sig)
{
}

static void on_usr2(int sig)
{
	usr2_ran_in = lab_gettid();
}

static void *thread_fn(void *arg)
{
	struct sigaction old, sa = { .sa_handler = on_usr2 };

	thread_tid = lab_gettid();
	/* the handler main installed is visible here */
	sigaction(SIGUSR1, NULL, &old);
	usr1_seen_by_thread = old.sa_handler == on_usr1;
	/* and the one installed here will be visible in main */
	sigaction(SIGUSR2, &sa, NULL);
	sem_post(&to_main);
	while (sem_wait(&to_thread))
		;	/* EINTR: SIGUSR2 ran here */
	return NULL;
}

static const char *yes(int v)
{
	return v ? "true" : "false";
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 }, q;
	sigset_t usr2, mask;
	pthread_t th;
	pid_t me = getpid();
	int i;

	lab_init("signals");
	sem_init(&to_main, 0, 0);
	sem_init(&to_thread, 0, 0);
	sigaction(SIGUSR1, &sa, NULL);
	if (pthread_create(&th, NULL, thread_fn, NULL))
		lab_die("pthread_create failed");
	sem_wait(&to_main);
	/* the main thread alone blocks SIGUSR2: masks are per thread */
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &usr2, NULL);
	sigaction(SIGUSR2, NULL, &q);
	lab_fact("parent", "\"pid\":%d,\"tid\":%d", me, lab_gettid());
	lab_fact("thread", "\"pid\":%d,\"tid\":%d", me, (int)thread_tid);
	lab_fact("handlers", "\"usr1_set_by_main_seen_by_thread\":%s,\"usr2_set_by_thread_seen_by_main\":%s,\"kcmp_sighand_shared\":%s",
		 yes(usr1_seen_by_thread), yes(q.sa_handler == on_usr2),
		 yes(lab_kcmp(me, thread_tid, KCMP_SIGHAND) == 0));
	pthread_sigmask(SIG_BLOCK, NULL, &mask);
	/* process-directed: the kernel must pick the thread */
	kill(me, SIGUSR2);
	for (i = 0; i < 500 && !usr2_ran_in; i++)
		usleep(2000);
	lab_fact("delivery", "\"signal\":\"SIGUSR2\",\"main_blocks\":%s,\"ran_in_tid\":%d,\"main_tid\":%d,\"thread_tid\":%d",
		 yes(sigismember(&mask, SIGUSR2)), (int)usr2_ran_in,
		 lab_gettid(), (int)thread_tid);
	sem_post(&to_thread);
	pthread_join(th, NULL);
	return 0;
}
