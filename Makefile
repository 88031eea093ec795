# mvm: a KVM VMM for QEMU's microvm machine, its probes and benchmarks.
# Plain make; everything goes to build/.  `make help` lists the targets.
#
# The code is built once per flavour into static libraries, one per layer
# (ARCHITECTURE.md); programs, unit tests and fuzzers link the libraries and
# take only what they use.  Flavours: build/obj (plain), build/san (ASan +
# UBSan, for mvm-san and the unit tests' second run), build/fz (clang,
# libFuzzer instrumentation).  Header dependencies are automatic (-MMD -MP).

CC ?= gcc
FUZZ_CC := clang
PREFIX ?= /usr/local
DESTDIR ?=
BUILD := build

VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
	-Wmissing-prototypes -Wold-style-definition -Wundef -Wwrite-strings \
	-Wpointer-arith -Wvla
CFLAGS ?= -O2 -g
INCLUDES := -Ivmm -Iprobes -Ibench -Itests/unit -Itests/fuzz
ALL_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) -D_GNU_SOURCE -fstack-protector-strong $(INCLUDES)
LDFLAGS ?=
ALL_LDFLAGS := $(LDFLAGS) -Wl,-z,noexecstack -Wl,-z,relro -Wl,-z,now
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_FLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -D_GNU_SOURCE $(INCLUDES) \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined
DEPFLAGS = -MMD -MP

# libfdt ships no .pc file on Debian 12: fall back to -lfdt.
FDT_CFLAGS := $(shell pkg-config --cflags libfdt 2>/dev/null)
FDT_LIBS := $(shell pkg-config --libs libfdt 2>/dev/null || echo -lfdt)
TRACE_CFLAGS := $(shell pkg-config --cflags libtracefs libtraceevent 2>/dev/null)
TRACE_LIBS := $(shell pkg-config --libs libtracefs libtraceevent 2>/dev/null)

# ---- the layers, lowest first (a layer includes only those before it) ----
LIBS := core host dev kvm probes cli board bench tracer testsupport
SRCS_tracer := probes/hosttrace.c probes/hostconv.c
SRCS_core := $(wildcard vmm/core/*.c)
SRCS_host := $(wildcard vmm/host/*.c)
SRCS_dev := $(wildcard vmm/dev/*.c vmm/virtio/*.c vmm/boot/*.c)
SRCS_kvm := $(wildcard vmm/kvm/*.c)
SRCS_probes := $(filter-out probes/mvm_trace.c $(SRCS_tracer),$(wildcard probes/*.c))
SRCS_cli := $(wildcard vmm/cli/*.c)
SRCS_board := $(wildcard vmm/board/*.c)
SRCS_bench := $(filter-out bench/main.c,$(wildcard bench/*.c))
SRCS_testsupport := tests/unit/vdriver.c

# Each program links the libraries of its list; the linker takes what it needs.
MVM_LIBS := core host dev kvm probes cli board
BENCH_LIBS := bench tracer probes
UNIT_LIBS := core host dev kvm probes cli bench tracer testsupport
FUZZ_LIBS := core host dev kvm probes cli
lib_list = $(foreach l,$(2),$(1)/lib$(l).a)
LINK_LIBS = -Wl,--start-group $(call lib_list,$(1),$(2)) -Wl,--end-group
LINK_SYS := $(FDT_LIBS) -lpthread -lm

# The version, in a header rewritten only when it changes (so only the two
# files that print it are rebuilt, and always when it changes).
$(shell mkdir -p $(BUILD) && echo '#define MVM_VERSION "$(VERSION)"' > $(BUILD)/version.h.new && \
	(cmp -s $(BUILD)/version.h.new $(BUILD)/version.h || mv $(BUILD)/version.h.new $(BUILD)/version.h))

# Compile rules per flavour.  The version string goes only where it is printed.
$(BUILD)/obj/vmm/main.o $(BUILD)/obj/bench/meta.o $(BUILD)/obj/bench/run.o $(BUILD)/san/vmm/main.o: \
	VERSION_FLAG = -include $(BUILD)/version.h
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(FDT_CFLAGS) $(TRACE_CFLAGS) $(VERSION_FLAG) $(DEPFLAGS) -c -o $@ $<
$(BUILD)/san/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) $(FDT_CFLAGS) $(TRACE_CFLAGS) $(VERSION_FLAG) $(DEPFLAGS) -c -o $@ $<
$(BUILD)/fz/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(DEPFLAGS) -c -o $@ $<

define lib_rules
$(BUILD)/$(1)/lib$(2).a: $(patsubst %.c,$(BUILD)/$(1)/%.o,$(SRCS_$(2)))
	@rm -f $$@
	ar rcs $$@ $$^
endef
$(foreach f,obj san fz,$(foreach l,$(LIBS),$(eval $(call lib_rules,$(f),$(l)))))

-include $(shell find $(BUILD)/obj $(BUILD)/san $(BUILD)/fz -name '*.d' -type f 2>/dev/null)

.PHONY: all test unit bench install clean setup guest guest-full guests fuzz help
all: $(BUILD)/mvm $(BUILD)/mvm-bench $(BUILD)/mvm-trace

help:
	@echo "make [all]    build $(BUILD)/mvm, mvm-bench, mvm-trace"
	@echo "make test     build, run every test (scripts/setup.sh installs what they need)"
	@echo "make bench    build, run the benchmarks (after scripts/setup.sh)"
	@echo "make unit     unit tests only (plain and ASan+UBSan)"
	@echo "make fuzz     libFuzzer targets (FUZZ_RUNS=1000000, FUZZ_SECONDS=600 per target)"
	@echo "make guest    build the guest kernel and initramfs (cached in ~/.cache/mvm)"
	@echo "make guest-full  the full guest (virtio devices, ext4) for the device tests"
	@echo "make install  PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)"
	@echo "tests/run.py --tier unit|fuzz|payload|linux|bench|privileged  one tier"

# mvm links statically: no ld.so work at start-up and only the pages it uses
# in its RSS (the benchmark gate is 1.5 MiB of VMM overhead).
$(BUILD)/mvm: $(BUILD)/obj/vmm/main.o $(call lib_list,$(BUILD)/obj,$(MVM_LIBS))
	$(CC) -o $@ $< $(call LINK_LIBS,$(BUILD)/obj,$(MVM_LIBS)) $(ALL_LDFLAGS) -static $(LINK_SYS)

# mvm with ASan and UBSan (dynamic: the sanitizers cannot link statically),
# for the device-payload tests.
$(BUILD)/mvm-san: $(BUILD)/san/vmm/main.o $(call lib_list,$(BUILD)/san,$(MVM_LIBS))
	$(CC) $(SAN_FLAGS) -o $@ $< $(call LINK_LIBS,$(BUILD)/san,$(MVM_LIBS)) $(LINK_SYS)

$(BUILD)/mvm-bench: $(BUILD)/obj/bench/main.o $(call lib_list,$(BUILD)/obj,$(BENCH_LIBS))
	$(CC) -o $@ $< $(call LINK_LIBS,$(BUILD)/obj,$(BENCH_LIBS)) $(ALL_LDFLAGS) $(TRACE_LIBS) $(LINK_SYS)

$(BUILD)/mvm-trace: $(BUILD)/obj/probes/mvm_trace.o $(call lib_list,$(BUILD)/obj,$(BENCH_LIBS))
	$(CC) -o $@ $< $(call LINK_LIBS,$(BUILD)/obj,$(BENCH_LIBS)) $(ALL_LDFLAGS) $(TRACE_LIBS) $(LINK_SYS)

# ---- unit tests (no KVM): every tests/unit/test_*.c, plain and sanitized ----
UNIT_TESTS := $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))
UNIT_BINS := $(foreach t,$(UNIT_TESTS),$(BUILD)/unit/$(t) $(BUILD)/unit-san/$(t))

$(BUILD)/unit/%: $(BUILD)/obj/tests/unit/%.o $(call lib_list,$(BUILD)/obj,$(UNIT_LIBS))
	@mkdir -p $(@D)
	$(CC) -o $@ $< $(call LINK_LIBS,$(BUILD)/obj,$(UNIT_LIBS)) $(LINK_SYS)
$(BUILD)/unit-san/%: $(BUILD)/san/tests/unit/%.o $(call lib_list,$(BUILD)/san,$(UNIT_LIBS))
	@mkdir -p $(@D)
	$(CC) $(SAN_FLAGS) -o $@ $< $(call LINK_LIBS,$(BUILD)/san,$(UNIT_LIBS)) $(LINK_SYS)

unit: $(UNIT_BINS)
	@python3 tests/run.py --tier unit

# ---- fuzzing (clang libFuzzer + ASan + UBSan): every tests/fuzz/fuzz_*.c ----
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(foreach t,$(FUZZ_TARGETS),$(BUILD)/fuzz/fuzz_$(t))
# make fuzz: each target for FUZZ_RUNS executions or FUZZ_SECONDS, whichever ends first.
FUZZ_RUNS ?= 1000000
FUZZ_SECONDS ?= 600

$(BUILD)/fuzz/fuzz_%: $(BUILD)/fz/tests/fuzz/fuzz_%.o $(call lib_list,$(BUILD)/fz,$(FUZZ_LIBS))
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(call LINK_LIBS,$(BUILD)/fz,$(FUZZ_LIBS)) $(LINK_SYS)

fuzz: $(FUZZ_BINS)
	@FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh $(FUZZ_TARGETS)

# ---- tiny guest payloads (flat 64 KiB firmware images) ----
GUEST_PAYLOADS := $(patsubst tests/guests/%.S,$(BUILD)/guests/%.bin,$(filter-out tests/guests/common.S,$(wildcard tests/guests/*.S)))
$(BUILD)/guests/%.bin: tests/guests/%.S tests/guests/common.S tests/guests/payload.ld
	@mkdir -p $(@D)
	as --64 -I tests/guests -o $(BUILD)/guests/$*.o $<
	ld -T tests/guests/payload.ld -o $@ $(BUILD)/guests/$*.o

guests: $(GUEST_PAYLOADS)

# ---- set-up, guest kernel, tests, benchmarks ----
setup:
	@scripts/setup.sh

guest:
	@scripts/build-guest.sh

# The full guest: virtio blk/net/rng, ext4, IP autoconfiguration (device tests).
FULL_GUEST := -c scripts/guest/mvm-bench.config -c scripts/guest/mvm-full.config -o $(BUILD)/guest-full
guest-full:
	@scripts/build-guest.sh $(FULL_GUEST)

# Installs nothing: the README's commands run scripts/setup.sh first.
test:
	@$(MAKE) --no-print-directory all $(BUILD)/mvm-san $(UNIT_BINS) $(FUZZ_BINS) guests
	@scripts/build-guest.sh
	@scripts/build-guest.sh $(FULL_GUEST)
	@python3 tests/run.py

bench:
	@$(MAKE) --no-print-directory all guests
	@scripts/build-guest.sh
	@scripts/bench.sh

install: all
	install -D -m 0755 $(BUILD)/mvm $(DESTDIR)$(PREFIX)/bin/mvm
	install -D -m 0755 $(BUILD)/mvm-bench $(DESTDIR)$(PREFIX)/bin/mvm-bench
	install -D -m 0755 $(BUILD)/mvm-trace $(DESTDIR)$(PREFIX)/bin/mvm-trace

clean:
	rm -rf $(BUILD)
