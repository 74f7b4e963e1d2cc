# SPDX-License-Identifier: GPL-2.0
#
# rxring top-level build. Everything goes to build/ (the source tree stays
# clean; rxring.ko is built in build/kmod/KVER/).
#
#   make                 module (for KVER, default: newest 6.1 kernel),
#                        userspace and selftests
#   make check           tests in QEMU on 6.1 and 6.12 (scripts/check.sh)
#   make demo            the demo program in QEMU on 6.1 and 6.12
#   make lint            checkpatch, W=1 + sparse, -Werror, mandoc
#   make clean           remove build outputs (keeps the kselftest cache)
#   make distclean       remove build/ entirely
#
# KVER=<version> or KDIR=<kernel build dir> select the kernel for "module".

TOP := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
B := $(TOP)/build

# Newest installed 6.1 kernel (its headers are in /lib/modules/KVER/build).
ifeq ($(origin KVER),undefined)
KVER := $(shell ls /boot/vmlinuz-6.1.*-amd64 2>/dev/null | \
	sed 's|^/boot/vmlinuz-||' | sort -V | tail -n 1)
endif
KDIR ?= /lib/modules/$(KVER)/build

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

demo:
	$(TOP)/scripts/check.sh demo

lint:
	$(TOP)/scripts/lint.sh

clean:
	rm -rf $(B)/kmod $(B)/vm $(B)/userspace $(B)/selftests $(B)/check $(B)/lint

distclean:
	rm -rf $(B)

.PHONY: all module userspace ksft selftests check demo lint clean distclean
