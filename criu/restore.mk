# SPDX-License-Identifier: GPL-2.0
# criu/restore.mk - the restore side's unit test (include from test/unit/Makefile.inc or
# the top Makefile after criu/Makefile.inc). The restore sources themselves are picked up by
# criu/Makefile.inc's wildcards (cr-restore*.c, restore-*.c, arch/x86/sigframe.c,
# pie/restorer*.c).

RST_UNIT_B	:= $(B)/test/unit

$(RST_UNIT_B)/restore-sigframe-test.o: | $(IMAGES_STAMP)

# rt_sigreturn on a frame we built from a made-up core: GP regs, xmm, signal mask.
$(RST_UNIT_B)/restore-sigframe-test: $(RST_UNIT_B)/restore-sigframe-test.o \
		$(B)/criu/arch/x86/sigframe.o $(B)/criu/arch/x86/fpu-image.o $(B)/criu/log.o \
		$(IMAGES_LIB)
	$(CC) $(LDFLAGS_HOST) -o $@ $^ $(LDLIBS_HOST)

UNIT_TESTS	+= $(RST_UNIT_B)/restore-sigframe-test
TEST_TARGETS	+= $(RST_UNIT_B)/restore-sigframe-test
