# mvm: a KVM VMM for QEMU's microvm machine, its probes and benchmarks.
# Plain make; binaries go to build/.  `make help` lists the targets.

CC ?= gcc
PREFIX ?= /usr/local
DESTDIR ?=
BUILD := build

VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
	-Wmissing-prototypes -Wold-style-definition -Wundef -Wwrite-strings \
	-Wpointer-arith -Wvla
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) -D_GNU_SOURCE -fstack-protector-strong \
	-Ivmm -Iprobes -DMVM_VERSION='"$(VERSION)"'
LDFLAGS ?=
ALL_LDFLAGS := $(LDFLAGS) -Wl,-z,noexecstack -Wl,-z,relro -Wl,-z,now

# mvm links statically: no ld.so work at start-up and only the pages it uses
# in its RSS (the benchmark gate is 1.5 MiB of VMM overhead).
# libfdt ships no .pc file on Debian 12: fall back to -lfdt.
FDT_CFLAGS := $(shell pkg-config --cflags libfdt 2>/dev/null)
FDT_LIBS := $(shell pkg-config --libs libfdt 2>/dev/null || echo -lfdt)
TRACE_CFLAGS := $(shell pkg-config --cflags libtracefs libtraceevent 2>/dev/null)
TRACE_LIBS := $(shell pkg-config --libs libtracefs libtraceevent 2>/dev/null)

VMM_SRCS := vmm/main.c vmm/microvm.c vmm/microvm_run.c vmm/microvm_virtio.c vmm/config.c \
	vmm/cpuid.c vmm/vm.c vmm/chardev.c vmm/outbuf.c vmm/sandbox.c vmm/virtio/queue.c vmm/virtio/mmio.c vmm/virtio/blk.c \
	vmm/virtio/net.c vmm/virtio/console.c vmm/virtio/rng.c \
	vmm/vcpu.c vmm/exit.c vmm/bus.c vmm/mem.c vmm/evloop.c vmm/log.c vmm/irqchip.c vmm/outfile.c \
	vmm/boot/linux.c vmm/boot/longmode.c vmm/boot/firmware.c vmm/boot/image.c \
	vmm/boot/mptable.c vmm/boot/fwcfg_linux.c vmm/boot/fdt.c vmm/dev/serial.c \
	vmm/dev/marker.c vmm/dev/ioapic.c vmm/dev/fw_cfg.c \
	vmm/dev/pic.c vmm/dev/pit.c vmm/dev/rtc.c probes/probe.c probes/trace.c probes/phases.c

# Unit tests: test name -> the sources it links besides itself.
UNIT_TESTS := bus serial exit linux config mem probe marker ioapic mptable cpuid pic pit rtc phases \
	stats matrix results fw_cfg fdt fwcfg_linux virtq virtio_mmio virtio_blk virtio_net virtio_console \
	sandbox image outfile outbuf
UNIT_DEPS_bus := vmm/bus.c
UNIT_DEPS_sandbox := vmm/sandbox.c
UNIT_DEPS_image := vmm/boot/image.c
UNIT_DEPS_outfile := vmm/outfile.c
UNIT_DEPS_serial := vmm/dev/serial.c vmm/bus.c
UNIT_DEPS_exit := vmm/exit.c vmm/bus.c
UNIT_DEPS_linux := vmm/boot/linux.c vmm/boot/longmode.c vmm/mem.c
UNIT_DEPS_config := vmm/config.c vmm/cpuid.c
UNIT_DEPS_mem := vmm/mem.c
UNIT_DEPS_probe := probes/probe.c probes/trace.c probes/phases.c
UNIT_DEPS_marker := vmm/dev/marker.c probes/probe.c probes/trace.c probes/phases.c vmm/bus.c
UNIT_DEPS_ioapic := vmm/dev/ioapic.c vmm/bus.c
UNIT_DEPS_mptable := vmm/boot/mptable.c vmm/mem.c vmm/cpuid.c
UNIT_DEPS_cpuid := vmm/cpuid.c
UNIT_DEPS_pic := vmm/dev/pic.c vmm/bus.c
UNIT_DEPS_pit := vmm/dev/pit.c vmm/bus.c
UNIT_DEPS_rtc := vmm/dev/rtc.c vmm/bus.c
UNIT_DEPS_phases := probes/phases.c probes/trace.c
UNIT_DEPS_stats := bench/stats.c
UNIT_DEPS_virtq := vmm/virtio/queue.c vmm/mem.c
VIRTIO_DEPS := tests/unit/vdriver.c vmm/virtio/mmio.c vmm/virtio/queue.c vmm/mem.c vmm/evloop.c probes/probe.c probes/trace.c probes/phases.c
UNIT_DEPS_virtio_mmio := $(VIRTIO_DEPS) vmm/virtio/rng.c
UNIT_DEPS_virtio_blk := $(VIRTIO_DEPS) vmm/virtio/blk.c
UNIT_DEPS_virtio_net := $(VIRTIO_DEPS) vmm/virtio/net.c
UNIT_DEPS_virtio_console := $(VIRTIO_DEPS) vmm/virtio/console.c vmm/chardev.c vmm/outbuf.c
UNIT_DEPS_outbuf := vmm/outbuf.c vmm/evloop.c
UNIT_DEPS_fw_cfg := vmm/dev/fw_cfg.c vmm/mem.c probes/probe.c probes/trace.c probes/phases.c vmm/bus.c
UNIT_DEPS_fdt := vmm/boot/fdt.c $(FDT_LIBS)
UNIT_DEPS_fwcfg_linux := vmm/boot/fwcfg_linux.c vmm/boot/linux.c vmm/dev/fw_cfg.c vmm/mem.c probes/probe.c probes/trace.c probes/phases.c vmm/bus.c
UNIT_DEPS_matrix := bench/matrix.c
UNIT_DEPS_results := bench/results.c bench/stats.c

SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

GUEST_PAYLOADS := $(patsubst tests/guests/%.S,$(BUILD)/guests/%.bin,$(filter-out tests/guests/common.S,$(wildcard tests/guests/*.S)))

BENCH_SRCS := bench/main.c bench/startup.c bench/probecost.c bench/stats.c bench/matrix.c \
	bench/results.c bench/runner.c bench/run.c bench/meta.c bench/plot.c bench/compare.c \
	bench/host.c probes/hosttrace.c probes/hostconv.c probes/probe.c probes/trace.c \
	probes/phases.c
TRACER_SRCS := probes/mvm_trace.c probes/hostconv.c probes/hosttrace.c probes/trace.c \
	probes/phases.c

.PHONY: all test unit bench install clean setup guest guest-full guests fuzz help
all: $(BUILD)/mvm $(BUILD)/mvm-bench $(BUILD)/mvm-trace

help:
	@echo "make [all]    build $(BUILD)/mvm"
	@echo "make test     install what is missing, build, run every test"
	@echo "make bench    install what is missing, build, run the benchmarks"
	@echo "make unit     unit tests only (plain and ASan+UBSan)"
	@echo "make fuzz     libFuzzer targets (FUZZ_RUNS=1000000, FUZZ_SECONDS=600 per target)"
	@echo "make guest    build the guest kernel and initramfs (cached in ~/.cache/mvm)"
	@echo "make guest-full  the full guest (virtio devices, ext4) for the device tests"
	@echo "make install  PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)"

$(BUILD)/mvm: $(VMM_SRCS) $(wildcard vmm/*.h vmm/*/*.h probes/*.h) Makefile
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(FDT_CFLAGS) -o $@ $(VMM_SRCS) $(ALL_LDFLAGS) -static $(FDT_LIBS) -lpthread

# mvm with ASan and UBSan (dynamic: the sanitizers cannot link statically),
# for the device-payload tests.
$(BUILD)/mvm-san: $(VMM_SRCS) $(wildcard vmm/*.h vmm/*/*.h probes/*.h) Makefile
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) $(FDT_CFLAGS) -o $@ $(VMM_SRCS) $(FDT_LIBS) -lpthread

$(BUILD)/mvm-bench: $(BENCH_SRCS) $(wildcard bench/*.h probes/*.h) Makefile
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Ibench $(TRACE_CFLAGS) -o $@ $(BENCH_SRCS) $(ALL_LDFLAGS) $(TRACE_LIBS) -lm

$(BUILD)/mvm-trace: $(TRACER_SRCS) $(wildcard probes/*.h) Makefile
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(TRACE_CFLAGS) -o $@ $(TRACER_SRCS) $(ALL_LDFLAGS) $(TRACE_LIBS)

# ---- unit tests (no KVM) ----
define unit_rules
$(BUILD)/unit/test_$(1): tests/unit/test_$(1).c $(UNIT_DEPS_$(1)) tests/unit/check.h tests/unit/vdriver.h $(wildcard vmm/*.h vmm/*/*.h probes/*.h)
	@mkdir -p $$(@D)
	$$(CC) $$(ALL_CFLAGS) -Ibench -Itests/unit -o $$@ tests/unit/test_$(1).c $(UNIT_DEPS_$(1)) -lpthread -lm
$(BUILD)/unit-san/test_$(1): tests/unit/test_$(1).c $(UNIT_DEPS_$(1)) tests/unit/check.h tests/unit/vdriver.h $(wildcard vmm/*.h vmm/*/*.h probes/*.h)
	@mkdir -p $$(@D)
	$$(CC) $$(ALL_CFLAGS) $(SAN_FLAGS) -Ibench -Itests/unit -o $$@ tests/unit/test_$(1).c $(UNIT_DEPS_$(1)) -lpthread -lm
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_rules,$(t))))

UNIT_BINS := $(foreach t,$(UNIT_TESTS),$(BUILD)/unit/test_$(t) $(BUILD)/unit-san/test_$(t))

unit: $(UNIT_BINS)
	@python3 tests/run.py --only unit

# ---- fuzzing (clang libFuzzer + ASan + UBSan) ----
FUZZ_CC := clang
FUZZ_FLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -D_GNU_SOURCE -Ivmm -Iprobes -Itests/fuzz \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_TARGETS := virtq virtio_mmio fw_cfg serial pic pit rtc ioapic config loader trace_csv \
	bus exit irqchip virtio_net virtio_console virtio_rng
FUZZ_DEPS_virtq := vmm/virtio/queue.c vmm/mem.c
FUZZ_DEPS_virtio_mmio := vmm/virtio/mmio.c vmm/virtio/queue.c vmm/virtio/blk.c vmm/mem.c \
	vmm/evloop.c probes/probe.c probes/trace.c probes/phases.c
FUZZ_DEPS_virtio_net := vmm/virtio/mmio.c vmm/virtio/queue.c vmm/virtio/net.c vmm/mem.c \
	vmm/evloop.c probes/probe.c probes/trace.c probes/phases.c
FUZZ_DEPS_virtio_console := vmm/virtio/mmio.c vmm/virtio/queue.c vmm/virtio/console.c \
	vmm/chardev.c vmm/outbuf.c vmm/mem.c vmm/evloop.c probes/probe.c probes/trace.c probes/phases.c
FUZZ_DEPS_virtio_rng := vmm/virtio/mmio.c vmm/virtio/queue.c vmm/virtio/rng.c vmm/mem.c \
	vmm/evloop.c probes/probe.c probes/trace.c probes/phases.c
FUZZ_DEPS_fw_cfg := vmm/dev/fw_cfg.c vmm/mem.c probes/probe.c probes/trace.c probes/phases.c
FUZZ_DEPS_serial := vmm/dev/serial.c probes/probe.c probes/trace.c probes/phases.c
FUZZ_DEPS_pic := vmm/dev/pic.c
FUZZ_DEPS_pit := vmm/dev/pit.c
FUZZ_DEPS_rtc := vmm/dev/rtc.c
FUZZ_DEPS_ioapic := vmm/dev/ioapic.c
FUZZ_DEPS_config := vmm/config.c vmm/cpuid.c
FUZZ_DEPS_loader := vmm/boot/linux.c vmm/boot/firmware.c vmm/boot/fwcfg_linux.c vmm/dev/fw_cfg.c \
	vmm/mem.c probes/probe.c probes/trace.c probes/phases.c
FUZZ_DEPS_trace_csv := probes/trace.c probes/phases.c
FUZZ_DEPS_bus := vmm/bus.c
FUZZ_DEPS_exit := vmm/exit.c vmm/bus.c
FUZZ_DEPS_irqchip := vmm/irqchip.c vmm/dev/ioapic.c vmm/dev/pic.c vmm/bus.c vmm/vm.c vmm/log.c
# make fuzz: each target for FUZZ_RUNS executions or FUZZ_SECONDS, whichever ends first.
FUZZ_RUNS ?= 1000000
FUZZ_SECONDS ?= 600

define fuzz_rules
$(BUILD)/fuzz/fuzz_$(1): tests/fuzz/fuzz_$(1).c $(FUZZ_DEPS_$(1)) $(wildcard tests/fuzz/*.h vmm/*.h vmm/*/*.h probes/*.h)
	@mkdir -p $$(@D)
	$$(FUZZ_CC) $$(FUZZ_FLAGS) -o $$@ tests/fuzz/fuzz_$(1).c $(FUZZ_DEPS_$(1)) -lpthread
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_rules,$(t))))

fuzz: $(foreach t,$(FUZZ_TARGETS),$(BUILD)/fuzz/fuzz_$(t))
	@FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh $(FUZZ_TARGETS)

# ---- tiny guest payloads (flat 64 KiB firmware images) ----
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

FUZZ_BINS := $(foreach t,$(FUZZ_TARGETS),$(BUILD)/fuzz/fuzz_$(t))

test: setup
	@$(MAKE) --no-print-directory all $(BUILD)/mvm-san $(UNIT_BINS) $(FUZZ_BINS) guests
	@scripts/build-guest.sh
	@scripts/build-guest.sh $(FULL_GUEST)
	@python3 tests/run.py

bench: setup
	@$(MAKE) --no-print-directory all guests
	@scripts/build-guest.sh
	@scripts/bench.sh

install: all
	install -D -m 0755 $(BUILD)/mvm $(DESTDIR)$(PREFIX)/bin/mvm
	install -D -m 0755 $(BUILD)/mvm-bench $(DESTDIR)$(PREFIX)/bin/mvm-bench
	install -D -m 0755 $(BUILD)/mvm-trace $(DESTDIR)$(PREFIX)/bin/mvm-trace

clean:
	rm -rf $(BUILD)
