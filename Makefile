# SPDX-License-Identifier: GPL-2.0
#
# rxring top-level build. Everything goes to build/ (the source tree stays
# clean; rxring.ko is built in build/kmod/KVER/).
#
#   make                 module (for KVER, default: newest 6.1 kernel),
#                        userspace and selftests
#   make check           tests in QEMU on 6.1 and 6.12 (scripts/check.sh)
#   make check-debug     the tests on a KASAN/lockdep/kmemleak/UBSAN 6.1
#                        kernel built from linux-source-6.1 and cached in
#                        /var/cache/rxring (scripts/debug-kernel.sh)
#   make demo            the demo program in QEMU on 6.1 and 6.12
#   make bench           rxring against io_uring (fio's t/io_uring, and
#                        fio for file writes) on 6.1 and 6.12, side by
#                        side in one boot each: block devices, NOPs and
#                        files on ext4/xfs (scripts/bench.sh;
#                        docs/performance.md)
#   make lint            checkpatch, W=1 + sparse, -Werror, mandoc
#   make clean           remove build outputs (keeps the kselftest cache)
#   make distclean       remove build/ entirely
#   make install         rxring.ko (modules_install + depmod), librxring,
#                        headers, pkg-config file, programs, man pages, udev
#                        rule, modules-load.d entry; PREFIX= DESTDIR=
#   make dkms-install    sources to /usr/src/rxring-VERSION, dkms add, build
#                        and install for DKMS_KERNELS (default: every kernel
#                        in /lib/modules with a build tree)
#   make dkms-uninstall  dkms remove, and the sources from /usr/src
#   make fio-engine      fio and its rxring external engine, from Debian's
#                        fio source (build/fio-engine/bundle)
#
# KVER=<version> or KDIR=<kernel build dir> select the kernel for "module"
# and "install". The package version is the VERSION file.

TOP := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
B := $(TOP)/build

# Newest installed 6.1 kernel (its headers are in /lib/modules/KVER/build).
ifeq ($(origin KVER),undefined)
KVER := $(shell ls /boot/vmlinuz-6.1.*-amd64 2>/dev/null | \
	sed 's|^/boot/vmlinuz-||' | sort -V | tail -n 1)
endif
KDIR ?= /lib/modules/$(KVER)/build

VERSION := $(shell cat $(TOP)/VERSION)

PREFIX ?= /usr/local
DESTDIR ?=
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/rxring
UDEVRULESDIR ?= /usr/lib/udev/rules.d
MODULESLOADDIR ?= /usr/lib/modules-load.d
# Where modules_install puts rxring.ko below /lib/modules/KVER.
INSTALL_MOD_DIR ?= updates

# What DKMS (and a source package) needs to build rxring.ko.
MODULE_SRCS = Kbuild VERSION $(sort $(wildcard $(TOP)/module/*.[ch])) \
	      $(TOP)/uapi/rxring.h
DKMS_SRC := /usr/src/rxring-$(VERSION)
DKMS_KERNELS ?= $(notdir $(patsubst %/build/Makefile,%,\
	$(wildcard /lib/modules/*/build/Makefile)))

all: module userspace selftests

module:
	@test -n "$(KVER)" || { echo "no 6.1 kernel installed: run scripts/install-deps.sh or set KVER=" >&2; exit 1; }
	KDIR=$(KDIR) $(TOP)/scripts/build-module.sh $(KVER)

userspace:
	$(MAKE) -C $(TOP)/userspace OUT=$(B)/userspace

ksft:
	$(TOP)/scripts/ksft-fetch.sh $(B)/ksft

selftests: userspace ksft
	$(MAKE) -C $(TOP)/selftests OUT=$(B)/selftests KSFT=$(B)/ksft LIBDIR=$(B)/userspace

check:
	$(TOP)/scripts/check.sh check

check-debug:
	$(TOP)/scripts/check.sh check-debug

demo:
	$(TOP)/scripts/check.sh demo

bench:
	$(TOP)/scripts/bench.sh

lint:
	$(TOP)/scripts/lint.sh

clean:
	rm -rf $(B)/kmod $(B)/vm $(B)/userspace $(B)/selftests $(B)/check $(B)/lint

distclean:
	rm -rf $(B)

# ---- install (see the top of this file) ----

install: install-module install-userspace install-man install-data

# Not signed here (the kernel's signing key is not in its headers package;
# a distribution signs with its own key, DKMS with its MOK).
install-module: module
	$(MAKE) -C $(KDIR) M=$(B)/kmod/$(KVER) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) DEPMOD=true \
		CONFIG_MODULE_SIG_ALL= modules_install
	@# A staged tree (DESTDIR) gets no module index: the package's
	@# postinst runs depmod on the target system.
	if [ -z "$(DESTDIR)" ]; then depmod -a $(KVER); fi

install-userspace:
	$(MAKE) -C $(TOP)/userspace OUT=$(B)/userspace PREFIX=$(PREFIX) \
		DESTDIR=$(DESTDIR) install
	if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then ldconfig; fi

# docs/man/LINKS: "page alias" lines; each alias becomes a symlink.
install-man:
	for s in 1 3 7; do \
		install -d $(DESTDIR)$(MANDIR)/man$$s || exit 1; \
		for f in $(TOP)/docs/man/*.$$s; do \
			[ ! -f "$$f" ] || install -m 644 "$$f" \
				$(DESTDIR)$(MANDIR)/man$$s/ || exit 1; \
		done; \
	done
	grep -v '^#' $(TOP)/docs/man/LINKS | while read -r page alias; do \
		ln -sf "$$page" \
			"$(DESTDIR)$(MANDIR)/man$${alias##*.}/$$alias" || exit 1; \
	done

install-data:
	install -D -m 644 $(TOP)/packaging/60-rxring.rules \
		$(DESTDIR)$(UDEVRULESDIR)/60-rxring.rules
	install -D -m 644 $(TOP)/packaging/modules-load.conf \
		$(DESTDIR)$(MODULESLOADDIR)/rxring.conf
	install -d $(DESTDIR)$(DOCDIR)/examples
	install -m 644 $(TOP)/README.md $(TOP)/docs/abi.md $(DESTDIR)$(DOCDIR)/
	install -m 644 $(wildcard $(TOP)/userspace/examples/*.c) \
		$(DESTDIR)$(DOCDIR)/examples/

# fio with the rxring external engine (Debian's fio source, fetched once
# into build/fio-src); the selftests pick it up from build/fio-engine.
fio-engine: userspace
	$(TOP)/scripts/build-fio-engine.sh

# ---- DKMS ----

dkms-src:
	rm -rf $(DESTDIR)$(DKMS_SRC)
	cd $(TOP) && for f in $(patsubst $(TOP)/%,%,$(MODULE_SRCS)); do \
		install -D -m 644 $$f $(DESTDIR)$(DKMS_SRC)/$$f || exit 1; \
	done
	sed 's/#MODULE_VERSION#/$(VERSION)/' $(TOP)/dkms.conf \
		>$(DESTDIR)$(DKMS_SRC)/dkms.conf

dkms-install:
	@command -v dkms >/dev/null || { echo "dkms not installed (scripts/install-deps.sh)" >&2; exit 1; }
	if dkms status -m rxring -v $(VERSION) | grep -q .; then \
		dkms remove -m rxring -v $(VERSION) --all; fi
	$(MAKE) -f $(TOP)/Makefile dkms-src DESTDIR=
	dkms add -m rxring -v $(VERSION)
	for k in $(DKMS_KERNELS); do \
		dkms build -m rxring -v $(VERSION) -k $$k && \
		dkms install -m rxring -v $(VERSION) -k $$k || exit 1; \
	done

dkms-uninstall:
	if dkms status -m rxring -v $(VERSION) | grep -q .; then \
		dkms remove -m rxring -v $(VERSION) --all; fi
	rm -rf $(DKMS_SRC)

.PHONY: all module userspace ksft selftests check check-debug demo bench lint clean distclean \
	install install-module install-userspace install-man install-data \
	dkms-src dkms-install dkms-uninstall fio-engine
