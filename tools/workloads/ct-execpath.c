// SPDX-License-Identifier: GPL-2.0
/*
 * ct-execpath: execs whose file the kernel resolves to something else
 * than the name given, for clonetrace -e exec's "path" and "interp".
 * Each case forks a child that execs a copy of this program (in "child
 * FD" mode: it writes readlink("/proc/self/exe"), the kernel's own view,
 * to FD and exits 0):
 *
 *   symlink   /bin/true where /bin is a symlink (merged /usr), and a
 *             symlink of our own to this program
 *   relative  "./ct-execpath" from its directory
 *   mount     a copy on a tmpfs mounted in a new mount namespace: the
 *             path crosses from the tmpfs to the file system below
 *   chroot    this program from inside a chroot to a bind mount of /:
 *             the path as the task sees it, without the chroot's prefix
 *   script    a #! script whose interpreter line names a symlink to this
 *             program: path the script, interp the program itself; and
 *             nested_script, a script whose interpreter is that script:
 *             path the outer script, interp the program; and
 *             script_reexec, the script exec'd by a program that this
 *             program exec'd without a fork (two execs of the PID);
 *             script_iouring, the same by a task that used io_uring:
 *             path null (clonetrace does not look: docs/INTERNALS.md)
 *   deep      a copy 40 directories down: the top of the path is lost
 *   deleted   a copy unlinked before fexecve: "PATH (deleted)"
 *   memfd     a memfd copy, fexecve: "/memfd:NAME (deleted)"
 *
 * The expected path is the workload's realpath() of what it exec'd
 * (before unlinking), checked against what the new program read from
 * /proc/self/exe; a case that cannot run here (no merged /usr, no
 * memfd) is left out and said so on stderr. One JSON line a case:
 *   {"expect":"exec_path","case":C,"pid":P,"filename":F,"path":X|null,
 *    "interp":I|null,"truncated":B,"execs":N}
 * (N: the PID's execs, the case's the last)
 * and {"expect":"exec_path_total","execs":N} last. Root is needed
 * (mounts, chroot): exit 77 without it; 99 when a check failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char self[PATH_MAX], dir[PATH_MAX];
static char *image;
static size_t image_len;
static int execs;

static void die(const char *what)
{
	fprintf(stderr, "ct-execpath: %s: %s\n", what, strerror(errno));
	exit(99);
}

/* "child FD" (last two arguments): tell the parent what the kernel ran */
static int child_main(int fd)
{
	char exe[PATH_MAX + 16];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0 || write(fd, exe, n) != n)
		return 98;
	return 0;
}

/* A copy of this program at path (mode 0755). */
static void copy_self(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);

	if (fd < 0 || write(fd, image, image_len) != (ssize_t)image_len ||
	    close(fd))
		die(path);
}

static void load_self(void)
{
	struct stat st;
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st))
		die("/proc/self/exe");
	image_len = st.st_size;
	image = malloc(image_len);
	if (!image || read(fd, image, image_len) != (ssize_t)image_len)
		die("read /proc/self/exe");
	close(fd);
}

struct exec_case {
	const char *name;
	const char *argv0;	/* NULL: "ct-execpath" */
	const char *file;	/* execv()'s file; NULL: fexecve(fd) */
	int fd;
	void (*setup)(void);	/* in the child, before the exec */
	const char *path;	/* stated; NULL: null */
	const char *interp;
	bool truncated;
	bool check_exe;		/* the child's /proc/self/exe must be path */
	bool reexec;		/* exec self first, which execs file */
	bool uring;		/* reexec: with an io_uring */
};

/* fork, exec, compare what the new program saw; state the case */
static void run_case(const struct exec_case *c)
{
	char got[PATH_MAX + 16] = "", fdn[16], *argv[] = { "ct-execpath",
							    "child", fdn, NULL };
	char *envp[] = { NULL };
	int p[2], ws;
	ssize_t n;
	pid_t pid;

	if (pipe(p))
		die("pipe");
	if (c->argv0)		/* busybox's true runs by its name */
		argv[0] = (char *)c->argv0;
	snprintf(fdn, sizeof(fdn), "%d", p[1]);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		close(p[0]);
		if (c->setup)
			c->setup();
		if (c->reexec)
			execv(self, (char *[]){ "ct-execpath", c->uring ?
						"reexec_uring" : "reexec",
						(char *)c->file, "child", fdn,
						NULL });
		else if (c->file)
			execv(c->file, argv);
		else
			fexecve(c->fd, argv, envp);
		fprintf(stderr, "ct-execpath: %s: exec: %s\n", c->name,
			strerror(errno));
		_exit(97);
	}
	close(p[1]);
	n = read(p[0], got, sizeof(got) - 1);
	close(p[0]);
	if (waitpid(pid, &ws, 0) != pid || !WIFEXITED(ws) ||
	    WEXITSTATUS(ws) != 0)
		die(c->name);
	got[n > 0 ? n : 0] = '\0';
	if (c->check_exe && strcmp(got, c->path)) {
		fprintf(stderr, "ct-execpath: %s: ran %s, not %s\n", c->name,
			got, c->path);
		exit(99);
	}
	printf("{\"expect\":\"exec_path\",\"case\":\"%s\",\"pid\":%d,"
	       "\"filename\":", c->name, pid);
	if (c->file)
		printf("\"%s\"", c->file);
	else
		printf("\"/dev/fd/%d\"", c->fd);
	printf(",\"path\":");
	printf(c->path ? "\"%s\"" : "null", c->path);
	printf(",\"interp\":");
	printf(c->interp ? "\"%s\"" : "null", c->interp);
	printf(",\"truncated\":%s,\"execs\":%d}\n",
	       c->truncated ? "true" : "false", c->reexec ? 2 : 1);
	execs++;
}

static char tmp[PATH_MAX];		/* our directory, resolved */
static char mnt[PATH_MAX + 8], chroot_dir[PATH_MAX + 8];

static void in_new_mount_ns(void)
{
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		die("unshare mount namespace");
}

/* the child: a tmpfs on mnt, this program copied onto it */
static void setup_mount(void)
{
	char prog[PATH_MAX + 32];

	in_new_mount_ns();
	if (mount("ct-execpath", mnt, "tmpfs", 0, "mode=0755"))
		die("mount tmpfs");
	snprintf(prog, sizeof(prog), "%s/ct-execpath", mnt);
	copy_self(prog);
}

/* the child: chroot to a (recursive) bind mount of / */
static void setup_chroot(void)
{
	in_new_mount_ns();
	if (mount("/", chroot_dir, NULL, MS_BIND | MS_REC, NULL) ||
	    chroot(chroot_dir) || chdir("/"))
		die("chroot");
}

static void setup_relative(void)
{
	if (chdir(dir))
		die("chdir");
}

static void case_symlinks(void)
{
	static char link[PATH_MAX + 16], real[PATH_MAX];
	struct exec_case c = { .name = "symlink", .check_exe = true };

	snprintf(link, sizeof(link), "%s/link", tmp);
	if (symlink(self, link))
		die("symlink");
	c.file = link;
	c.path = self;
	run_case(&c);
	/* merged /usr: /bin/true is /usr/bin/true */
	if (!realpath("/bin/true", real) || !strcmp(real, "/bin/true")) {
		fprintf(stderr, "ct-execpath: /bin/true is no symlink: "
			"case left out\n");
		return;
	}
	c.name = "bin_true";
	c.argv0 = "true";
	c.file = "/bin/true";
	c.path = real;
	c.check_exe = false;	/* true(1) does not tell */
	run_case(&c);
}

static void case_deep(void)
{
	static char path[PATH_MAX];
	size_t off = snprintf(path, sizeof(path), "%s", tmp);
	struct exec_case c = { .name = "deep", .file = path,
			       .truncated = true };
	int i;

	for (i = 0; i < 40; i++) {
		off += snprintf(path + off, sizeof(path) - off, "/d%02d", i);
		if (mkdir(path, 0755))
			die("mkdir");
	}
	snprintf(path + off, sizeof(path) - off, "/ct-execpath");
	copy_self(path);
	c.path = path;		/* the whole of it: the test cuts it */
	c.check_exe = true;
	run_case(&c);
}

/* an io_uring instance: the task's io_uring context is set for good */
static bool uring(void)
{
	unsigned char params[120] = { 0 };	/* struct io_uring_params */

	return syscall(SYS_io_uring_setup, 4, params) >= 0;
}

static void write_script(const char *path, const char *interp)
{
	FILE *f = fopen(path, "w");

	if (!f || fprintf(f, "#!%s\n", interp) < 0 || fclose(f) ||
	    chmod(path, 0755))
		die(path);
}

/* a script, and a script whose interpreter is that script */
static void case_script(void)
{
	static char script[PATH_MAX + 16], link[PATH_MAX + 16],
		    outer[PATH_MAX + 16];
	struct exec_case c = { .name = "script", .file = script };

	snprintf(link, sizeof(link), "%s/interp-link", tmp);
	snprintf(script, sizeof(script), "%s/script.sh", tmp);
	snprintf(outer, sizeof(outer), "%s/nested.sh", tmp);
	if (symlink(self, link))
		die("symlink");
	write_script(script, link);
	c.path = script;	/* tmp is resolved: its realpath() */
	c.interp = self;	/* resolved through its symlink */
	run_case(&c);
	/* the kernel runs self with "script.sh nested.sh" */
	write_script(outer, script);
	c.name = "nested_script";
	c.file = outer;
	c.path = outer;
	run_case(&c);
	/*
	 * exec'd from a program that was itself exec'd: the old program's
	 * file goes with its mm, after the script's (the second exec)
	 */
	c.name = "script_reexec";
	c.file = script;
	c.path = script;
	c.reexec = true;
	run_case(&c);
	/* the same from a task that has used io_uring: not looked for */
	if (!uring()) {
		fprintf(stderr, "ct-execpath: no io_uring: case "
			"script_iouring left out\n");
		return;
	}
	c.name = "script_iouring";
	c.uring = true;
	c.path = NULL;
	run_case(&c);
}

static void case_deleted(void)
{
	static char path[PATH_MAX + 16], want[PATH_MAX + 32];
	struct exec_case c = { .name = "deleted", .check_exe = true };

	snprintf(path, sizeof(path), "%s/unlinked", tmp);
	copy_self(path);
	c.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (c.fd < 0 || unlink(path))
		die(path);
	snprintf(want, sizeof(want), "%s (deleted)", path);
	c.path = want;
	run_case(&c);
	close(c.fd);
}

static void case_memfd(void)
{
	struct exec_case c = { .name = "memfd", .check_exe = true,
			       .path = "/memfd:ct-execpath (deleted)" };

	c.fd = syscall(SYS_memfd_create, "ct-execpath", MFD_CLOEXEC);
	if (c.fd < 0) {
		fprintf(stderr, "ct-execpath: no memfd_create: case left "
			"out\n");
		return;
	}
	if (write(c.fd, image, image_len) != (ssize_t)image_len)
		die("memfd");
	run_case(&c);
	close(c.fd);
}

static int rm_one(const char *path, const struct stat *st, int type,
		  struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

int main(int argc, char **argv)
{
	char template[] = "/tmp/ct-execpath.XXXXXX";
	struct exec_case c = { .check_exe = true };
	char prog[PATH_MAX + 32];
	ssize_t n;

	if (argc == 5 && !strncmp(argv[1], "reexec", 6)) {
		/*
		 * "reexec[_uring] FILE child FD": a second exec, without a
		 * fork (_uring: by a task that has an io_uring)
		 */
		if (!strcmp(argv[1], "reexec_uring") && !uring())
			die("io_uring_setup");
		execv(argv[2], (char *[]){ "ct-execpath", "child", argv[4],
					   NULL });
		fprintf(stderr, "ct-execpath: reexec %s: %s\n", argv[2],
			strerror(errno));
		return 97;
	}
	if (argc >= 3 && !strcmp(argv[argc - 2], "child"))
		return child_main(atoi(argv[argc - 1]));
	if (geteuid()) {
		fprintf(stderr, "ct-execpath: needs root (mounts, chroot)\n");
		return 77;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		die("readlink");
	self[n] = '\0';
	snprintf(dir, sizeof(dir), "%s", self);
	*strrchr(dir, '/') = '\0';
	load_self();
	if (!mkdtemp(template) || !realpath(template, tmp))
		die("mkdtemp");
	setvbuf(stdout, NULL, _IOLBF, 0);

	case_symlinks();
	c.name = "relative";
	c.file = "./ct-execpath";
	c.setup = setup_relative;
	c.path = self;
	run_case(&c);

	snprintf(mnt, sizeof(mnt), "%s/mnt", tmp);
	if (mkdir(mnt, 0755))
		die("mkdir");
	snprintf(prog, sizeof(prog), "%s/ct-execpath", mnt);
	c.name = "mount";
	c.file = prog;
	c.setup = setup_mount;
	c.path = prog;
	run_case(&c);

	snprintf(chroot_dir, sizeof(chroot_dir), "%s/root", tmp);
	if (mkdir(chroot_dir, 0755))
		die("mkdir");
	c.name = "chroot";
	c.file = self;		/* as seen inside: the same name */
	c.setup = setup_chroot;
	c.path = self;
	run_case(&c);

	case_script();
	case_deep();
	case_deleted();
	case_memfd();
	printf("{\"expect\":\"exec_path_total\",\"execs\":%d}\n", execs);
	if (nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS))
		die("remove the directory");
	return 0;
}
