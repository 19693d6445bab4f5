# SPDX-License-Identifier: GPL-2.0
#
# clonetrace top-level Makefile.
#
#   make            build ./clonetrace (BPF object -> skeleton -> collector)
#   make run        install missing packages, build, trace the whole system
#   make check      the whole test suite (host tests + VM tests)
#   make mutation   how many of a list of small bugs the tests catch
#   make mutation-gen  SAMPLE=N SEED=S FILES=GLOB: how many generated ones
#   make bench      the side-by-side overhead benchmark
#   make baseline   BASE=REV: clonetrace as of git revision REV, for
#                   tools/bench/bench --baseline build/baseline/REV/clonetrace
#   make kmod       the optional kernel module (KDIR=...)
#   make install    PREFIX=/usr/local DESTDIR= UNITDIR= (the service unit)
#   make deb        the Debian packages clonetrace and clonetrace-dkms, in
#                   build/deb/ (debian/, docs/HACKING.md)

PREFIX		?= /usr/local
DESTDIR		?=
UNITDIR		?= $(PREFIX)/lib/systemd/system
KDIR		?= /lib/modules/$(shell uname -r)/build
VMLINUX_BTF	?= /sys/kernel/btf/vmlinux

CC		?= gcc
CLANG		?= clang
BPFTOOL		?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
PYTHON		?= /usr/bin/python3

# The version, in one place: the file VERSION. The binary's --version and
# the metrics' version label get it as CT_VERSION; dkms.conf, the man page
# and debian/changelog must say the same (tests/test_deb.py checks them).
VERSION		:= $(shell cat VERSION)

ARCH		:= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
OUT		:= build

# Warnings are bugs: WERROR=1 makes every warning an error, in user
# space, the BPF objects, the workloads, the labs and the fuzz targets
# (CI sets it: .ci/run). Without it a local build only warns.
WERROR		?=
export WERROR
WERROR_FLAG	:= $(if $(filter-out 0,$(WERROR)),-Werror)

CFLAGS		?= -O2 -g
CFLAGS		+= -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -std=gnu11 \
		   $(WERROR_FLAG) -I$(OUT) -Ibpf -Iuserspace
# apart from CPPFLAGS and CFLAGS, which a packager may set on the command line
CT_DEFS		:= -DCT_VERSION='"$(VERSION)"'
# libmicrohttpd is loaded by --listen (http.c), not linked
LDLIBS		:= -lbpf -lelf -lz
STATIC_LDLIBS	:= -lbpf -lelf -lz -lzstd

BPF_CFLAGS	:= -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall \
		   $(WERROR_FLAG) -I$(OUT) -Ibpf

BPF_SRCS	:= $(wildcard bpf/*.bpf.c)
BPF_HDRS	:= $(wildcard bpf/*.h)
SKELS		:= $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))
# http_none.c stands for http.c in the static build (see there)
USER_SRCS	:= $(filter-out userspace/http_none.c,$(wildcard userspace/*.c))
USER_HDRS	:= $(wildcard userspace/*.h) $(BPF_HDRS)
USER_OBJS	:= $(patsubst userspace/%.c,$(OUT)/%.o,$(USER_SRCS))
STATIC_OBJS	:= $(filter-out $(OUT)/http.o,$(USER_OBJS)) $(OUT)/http_none.o
ASAN_OBJS	:= $(patsubst userspace/%.c,$(OUT)/asan/%.o,$(USER_SRCS))

.PHONY: all run deps deps-test deps-fresh check check-here check-host check-vm \
	kernels-doc bench baseline kmod kmod-clean \
	install uninstall deb clean workloads static asan lint lab fuzz check-fuzz \
	mutation mutation-gen check-mutation

all: clonetrace

deps:
	@tools/install-deps.sh

deps-test: deps
	@tools/install-deps.sh --test

deps-fresh:
	@tools/install-deps.sh --fresh

run: deps clonetrace
	./clonetrace

# vmlinux.h is generated from the build machine's BTF: the machine that
# runs clonetrace needs BTF anyway, and CO-RE relocates the object on other
# kernels (tested on Debian's 6.1 and 6.12 in tools/vmtest).
$(OUT)/vmlinux.h:
	@mkdir -p $(OUT)
	@if [ ! -r "$(VMLINUX_BTF)" ]; then \
		echo "error: no kernel BTF at $(VMLINUX_BTF): build on a kernel with CONFIG_DEBUG_INFO_BTF=y or set VMLINUX_BTF=path/to/vmlinux" >&2; \
		exit 1; fi
	$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp
	mv $@.tmp $@

# One skeleton per BPF object: bpf/NAME.bpf.c -> $(OUT)/NAME.skel.h
# (struct NAME_bpf). Every object shares bpf/ct_event.h and bpf/clone_flags.h.
$(OUT)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) $(OUT)/vmlinux.h
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $*_bpf > $@.tmp
	mv $@.tmp $@

$(OUT)/%.o: userspace/%.c $(USER_HDRS) $(SKELS)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(CT_DEFS) -c $< -o $@

# the two that print the version
$(OUT)/tracer_opts.o $(OUT)/metrics.o $(OUT)/asan/tracer_opts.o $(OUT)/asan/metrics.o: VERSION

clonetrace: $(USER_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Statically linked, for the VM tests (busybox initramfs, no libraries).
# Without the HTTP endpoint: Debian's libmicrohttpd needs GnuTLS, and
# GnuTLS's dependencies (p11-kit, libunistring) have no static archives;
# --listen says so there, --prometheus FILE works.
static clonetrace-static: clonetrace.static
clonetrace.static: $(STATIC_OBJS)
	$(CC) -static $(LDFLAGS) -o $@ $^ $(STATIC_LDLIBS)

# AddressSanitizer + UBSan build used by the tests.
$(OUT)/asan/%.o: userspace/%.c $(USER_HDRS) $(SKELS)
	@mkdir -p $(OUT)/asan
	$(CC) $(CPPFLAGS) $(CFLAGS) $(CT_DEFS) -fsanitize=address,undefined -fno-omit-frame-pointer \
		-c $< -o $@

asan: $(OUT)/clonetrace.asan
$(OUT)/clonetrace.asan: $(ASAN_OBJS)
	$(CC) -fsanitize=address,undefined -o $@ $^ $(LDLIBS)

workloads:
	$(MAKE) -C tools/workloads

# ---- kernel module (see Kbuild and kmod/) ----
kmod:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# Not "make -C KDIR M=. clean": kbuild's clean deletes every *.o and *.ko
# below M, which is the whole project here.
kmod-clean:
	rm -f clonetrace.ko clonetrace.mod clonetrace.mod.c clonetrace.mod.o \
		clonetrace.o .clonetrace* Module.symvers modules.order \
		kmod/*.o kmod/.*.cmd

# Kernel coding style of the module (checkpatch from Debian's linux-source)
lint:
	tools/checkpatch.sh

# ---- tests ----
# make check: the whole suite on a fresh Debian 12 (tools/freshcheck: a
# minimal root where only what tools/install-deps.sh installs is there, so
# nothing installed by hand on this machine can make it pass). Inside that
# root CT_FRESH_ROOT is set and check runs check-here, which is also the
# suite on this machine as it is.
ifeq ($(CT_FRESH_ROOT),)
check: deps-fresh
	tools/freshcheck make check
else
check: check-here
endif

# check-here: deps, build, then the host suite with the kernels' preparation
# and lint beside it, the VMs two at a time, fuzz; every phase's wall time
# reported at the end (tools/check).
check-here:
	tools/check

check-host: deps-test clonetrace asan clonetrace.static workloads
	$(PYTHON) -m pytest -v tests --junitxml=$(OUT)/pytest.xml
ifneq ($(CT_FRESH_ROOT),)
	$(PYTHON) tools/fresh-skips.py $(OUT)/pytest.xml
endif

# The module churn tests' storm runs 20 s per kernel (longer locally with
# STRESS_SECS=60: tests/vm/15-kmod-churn.sh).
STRESS_SECS	?= 20

# The guests boot with the memory and stall checks Debian's kernels have
# (they have no KASAN, KFENCE or lockdep): freed and redzoned slab objects
# poisoned and checked, freed pages poisoned and zeroed, and a soft lockup
# or a task blocked for 120 s is a panic. A use-after-free or a stall in
# the module then fails the run (tests/vm/1*-kmod-*.sh).
VM_DEBUG_APPEND	:= slub_debug=FZPU page_poison=1 init_on_free=1 \
		   softlockup_panic=1 hung_task_panic=1

# Every kernel of the matrix (tools/vmtest/README.md), every test.
check-vm: deps-test clonetrace.static
	CT_VM_APPEND="CT_STRESS_SECS=$(STRESS_SECS) $(VM_DEBUG_APPEND) $(CT_VM_APPEND)" \
		tools/vmtest/vmtest --kernel all

# docs/KERNELS.md from the last full run of check-vm (or of
# tools/vmtest/vmtest --kernel all, without --only or --quick).
kernels-doc:
	@grep -qx 'all=1' build/vmtest/run.info && grep -qx 'only=' build/vmtest/run.info && \
		grep -qx 'quick=0' build/vmtest/run.info || \
		{ echo "kernels-doc: build/vmtest has no full run: run make check-vm first" >&2; exit 1; }
	cp build/vmtest/KERNELS.md docs/KERNELS.md
	tools/vmtest/readme-table.py

bench: clonetrace workloads
	tools/install-deps.sh --bench
	tools/bench/bench

# A baseline for the bench: clonetrace as of revision BASE (a commit,
# tag or branch), built from `git archive` in a temporary directory and
# copied to build/baseline/<commit>/clonetrace; then
#   tools/bench/bench --baseline build/baseline/<commit>/clonetrace
# runs it as tracers NAME@base beside the current ones (docs/PERFORMANCE.md).
BASE		?=
baseline:
	@test -n "$(BASE)" || { echo "baseline: say which revision: make baseline BASE=REV" >&2; exit 2; }
	@rev=$$(git rev-parse --verify -q "$(BASE)^{commit}") || { echo "baseline: $(BASE) is no commit of this repository" >&2; exit 2; }; \
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	git archive "$$rev" | tar -x -C "$$tmp" && \
	$(MAKE) -C "$$tmp" clonetrace WERROR= >"$$tmp.log" 2>&1 || { tail -20 "$$tmp.log" >&2; rm -f "$$tmp.log"; exit 1; }; \
	rm -f "$$tmp.log"; mkdir -p $(OUT)/baseline/$$rev && \
	cp "$$tmp/clonetrace" $(OUT)/baseline/$$rev/clonetrace && \
	echo "$(OUT)/baseline/$$rev/clonetrace (clonetrace at $$(git log -1 --format='%h %s' $$rev))"

# Lab exercises: every one run and checked, a pass/fail table.
lab: clonetrace workloads
	$(MAKE) -C tools/labs
	tools/labs/run-labs

# Fuzzing the recording reader, explain's expressions and every option
# parser (libFuzzer, tests/fuzz); check-fuzz is the short pass of make
# check: 20 s each.
fuzz: $(SKELS)
	$(MAKE) -C tests/fuzz run

check-fuzz: $(SKELS)
	$(MAKE) -C tests/fuzz run FUZZ_TIME=20

# The mutation check (tests/mutation): each listed bug put into a scratch
# copy of the tree, the tests that should catch it run; every one must be
# caught (tests/README.md). Not part of check: a few minutes.
mutation: deps-test
	$(PYTHON) tests/mutation/run

# Generated mutants (tests/mutation/gen): SAMPLE=N sites of FILES (globs,
# default userspace/*.c) drawn with SEED (default: from the commit),
# each run against the test files that execute its line.
mutation-gen: deps-test
	$(PYTHON) tests/mutation/gen

# make check's small sample: fixed seed, the quick test files only.
CHECK_MUTATION_TESTS := test_cli,test_explain,test_report,test_share,test_usage
check-mutation: deps-test
	SAMPLE=6 SEED=26 TESTS=$(CHECK_MUTATION_TESTS) $(PYTHON) tests/mutation/gen --covered-only --timeout 120

# ---- install ----
# The metrics service (fleet/): its ExecStart names the installed binary.
install: clonetrace
	install -D -m 0755 clonetrace $(DESTDIR)$(PREFIX)/sbin/clonetrace
	install -D -m 0644 docs/clonetrace.8 \
		$(DESTDIR)$(PREFIX)/share/man/man8/clonetrace.8
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|@SBINDIR@|$(PREFIX)/sbin|g' fleet/clonetrace-exporter.service.in \
		> $(DESTDIR)$(UNITDIR)/clonetrace-exporter.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/clonetrace-exporter.service

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/clonetrace \
		$(DESTDIR)$(PREFIX)/share/man/man8/clonetrace.8 \
		$(DESTDIR)$(UNITDIR)/clonetrace-exporter.service

# ---- Debian packages (debian/) ----
# clonetrace and clonetrace-dkms, built by dpkg-buildpackage in a clean
# copy of the tree (git's files: tracked and untracked, not ignored; the
# whole tree but build/ when this is no git work tree's top), left in
# build/deb/ with the build's log. Needs dpkg-dev, debhelper, dh-dkms and the build dependencies of
# debian/control (tools/install-deps.sh --test).
DEBDIR		:= $(OUT)/deb
deb:
	@command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null || \
		{ echo "deb: needs dpkg-dev and debhelper: apt-get install dpkg-dev debhelper dh-dkms, or tools/install-deps.sh --test" >&2; exit 1; }
	rm -rf $(DEBDIR)
	mkdir -p $(DEBDIR)/clonetrace-$(VERSION)
	@if [ "$$(git rev-parse --show-toplevel 2>/dev/null)" = "$(CURDIR)" ]; then \
		git ls-files -z --cached --others --exclude-standard | \
			xargs -0 -r sh -c 'for f; do [ -e "$$f" ] && printf "%s\0" "$$f"; done' sh | \
			tar --null -T - -cf - ; \
	else \
		tar --exclude=./build -cf - . ; \
	fi | tar -C $(DEBDIR)/clonetrace-$(VERSION) -xf -
	cd $(DEBDIR)/clonetrace-$(VERSION) && dpkg-buildpackage -us -uc -b \
		>../build.log 2>&1 || { tail -n 40 ../build.log >&2; \
		echo "deb: dpkg-buildpackage failed (log: $(DEBDIR)/build.log)" >&2; exit 1; }
	rm -rf $(DEBDIR)/clonetrace-$(VERSION)
	@ls $(DEBDIR)/*.deb

clean:
	rm -rf $(OUT) clonetrace clonetrace.static
	$(MAKE) -C tools/workloads clean 2>/dev/null || true

# keep intermediate BPF objects and skeletons
.SECONDARY:
