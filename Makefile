# Top-level build: one make, non-recursive. Each directory contributes a Makefile.inc that
# appends to the variables below; objects and generated files go under $(B)/.
# make | make test | make check | make chaos | make demo | make bench | make install |
# make uninstall | make docs | make clean

B		:= build
CC		?= gcc
PREFIX		?= /usr/local
SBINDIR		?= $(PREFIX)/sbin

WARN		:= -Wall -Wextra -Werror -Wmissing-prototypes -Wshadow -Wno-unused-parameter
CFLAGS_HOST	:= -O2 -g $(WARN) -D_GNU_SOURCE -std=gnu11 -Icompel/include -Icriu/include \
		   -Icriu/arch/x86/include -I$(B)/images -I$(B)/criu/pie \
		   -I/usr/include/libnl3
LDLIBS_HOST	:= -lprotobuf-c -lxxhash -lpthread -lnl-3 -lnl-nf-3 -lnl-route-3

# --network-lock's default, as CRIU's build takes it: NETWORK_LOCK_NFTABLES (ours),
# NETWORK_LOCK_IPTABLES (CRIU's) or NETWORK_LOCK_SKIP.
ifneq ($(NETWORK_LOCK_DEFAULT),)
CFLAGS_HOST	+= -DNETWORK_LOCK_DEFAULT=$(NETWORK_LOCK_DEFAULT)
endif

ifeq ($(ASAN),1)
CFLAGS_HOST	+= -fsanitize=address,undefined -fno-omit-frame-pointer
LDFLAGS_HOST	+= -fsanitize=address,undefined
endif

# Host objects remember the flags they were built with: switching ASAN=1 on or off rebuilds
# them instead of linking a mix.
FLAGS_FILE	:= $(B)/.host-flags
HOST_FLAGS	:= $(CFLAGS_HOST) $(LDFLAGS_HOST)
$(shell mkdir -p $(B) && (echo '$(HOST_FLAGS)' | cmp -s - $(FLAGS_FILE) || \
	echo '$(HOST_FLAGS)' > $(FLAGS_FILE)))

ALL_TARGETS	:=
TEST_TARGETS	:=
CLEAN_FILES	:=

.PHONY: all deps test unit-test zdtm chaos demo bench install clean check check-format format
all: deps

include scripts/Makefile.deps
include images/Makefile.inc
include compel/Makefile.inc
include criu/Makefile.inc
include plugins/amdgpu/Makefile.inc
include crit/Makefile.inc
include lib/Makefile.inc
include test/Makefile.inc

all: $(ALL_TARGETS)

$(B)/%.o: %.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_HOST) -MMD -MP -c $< -o $@

test: all $(TEST_TARGETS)
	@python3 test/run-all.py

# criu killed at 1,000 random moments of dumps and restores (test/others/chaos.py)
CHAOS_TRIALS	?= 1000
chaos: all $(TEST_TARGETS)
	@python3 test/others/chaos.py --trials $(CHAOS_TRIALS)

# Every C file of the repository must read as .clang-format says (clang-format 14, Debian 12).
CLANG_FORMAT	?= clang-format
FORMAT_SRCS	= $(shell git ls-files --cached --others --exclude-standard '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './$(B)/*')
check: check-format
check-format:
	@$(CLANG_FORMAT) --dry-run --Werror $(FORMAT_SRCS) && echo "format: ok"
format:
	@$(CLANG_FORMAT) -i $(FORMAT_SRCS)

demo: all
	@bash scripts/demo.sh

bench: all
	@python3 scripts/bench.py

include scripts/Makefile.install

clean:
	rm -rf $(B) $(CLEAN_FILES)

-include $(shell find $(B) -name '*.d' 2>/dev/null)
