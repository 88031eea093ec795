/*
 * config.h: mvm's command line, the subset of QEMU's that "-M microvm"
 * users type, parsed into a struct vm_config.  Pure: no I/O, so the parser
 * is unit-tested with bad input of every kind.
 */
#ifndef MVM_CONFIG_H
#define MVM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/chardev_opts.h"
#include "kvm/cpuid.h"
#include "kvm/vm.h"
#include "trace.h"

#define CONFIG_MAX_BACKENDS 8
#define CONFIG_MAX_DEVICES 16
#define CONFIG_MAX_CONSOLE_MARKERS 8
#define CONFIG_CONSOLE_REGEX_MAX 256

/* --console-marker REGEX=NAME: the regex is copied out of the argument,
 * since NAME follows it in the same string. */
struct console_marker_cfg {
	char regex[CONFIG_CONSOLE_REGEX_MAX];
	const char *name;
};

struct drive_cfg {
	const char *id, *file, *cache;
	bool readonly;
};

struct netdev_cfg {
	const char *id, *ifname;
};

enum device_kind { DEV_VIRTIO_BLK, DEV_VIRTIO_NET, DEV_VIRTIO_SERIAL, DEV_VIRTCONSOLE, DEV_VIRTIO_RNG };

struct device_cfg {
	enum device_kind kind;
	const char *drive, *netdev, *chardev, *mac, *serial;
};

/* -smp as given, 0 for a key left out; every -smp merges into it (a key's
 * last value wins, as in QEMU's keyval parser). */
struct smp_opts {
	unsigned cpus, maxcpus, sockets, dies, cores, threads;
};

enum onoffauto { ONOFFAUTO_AUTO, ONOFFAUTO_ON, ONOFFAUTO_OFF };
enum serial_backend { SERIAL_STDIO, SERIAL_NULL, SERIAL_FILE, SERIAL_NONE };

struct vm_config {
	uint64_t ram_size; /* bytes */
	unsigned cpus;		   /* vCPUs at start: 1 <= cpus <= maxcpus <= 255 */
	unsigned maxcpus;
	struct cpu_topology topo;  /* sockets * cores * threads == maxcpus, APIC IDs < 255 */
	struct smp_opts smp;	   /* what -smp said; config_parse() derives the three above */
	const char *kernel;
	const char *initrd;
	const char *append;
	const char *bios;
	const char *name;
	const char *datadir; /* -L: where firmware and option ROMs are looked up */
	enum serial_backend serial;
	const char *serial_path; /* SERIAL_FILE */
	bool serial_given;
	bool nodefaults;
	bool nographic;
	bool no_reboot;
	bool sandbox;	 /* -sandbox on|off (mvm: on by default) */
	/* -M microvm,... (QEMU's names and defaults) */
	enum onoffauto pit, pic, rtc;
	bool isa_serial;
	bool option_roms;
	bool auto_kernel_cmdline;
	enum irqchip_mode irqchip;
	bool irqchip_given;
	enum onoffauto pvm_compat; /* mvm: kvm_pvm guest command-line workarounds */
	bool direct_boot;	   /* mvm: firmware=none, boot -kernel without firmware */
	/* -drive, -netdev, -chardev, -device (virtio-mmio devices) */
	struct drive_cfg drive[CONFIG_MAX_BACKENDS];
	unsigned ndrives;
	struct netdev_cfg netdev[CONFIG_MAX_BACKENDS];
	unsigned nnetdevs;
	struct chardev_opts chardev[CONFIG_MAX_BACKENDS];
	unsigned nchardevs;
	struct device_cfg device[CONFIG_MAX_DEVICES];
	unsigned ndevices;
	bool virtio_legacy; /* -global virtio-mmio.force-legacy (QEMU: on) */
	/* -cpu host,... */
	struct cpu_feature_request features[CPUID_MAX_FEATURE_REQUESTS];
	unsigned nfeatures;
	/* probes */
	const char *trace_path;
	enum trace_format trace_format;
	bool probe_summary;
	struct console_marker_cfg console_marker[CONFIG_MAX_CONSOLE_MARKERS];
	unsigned nconsole_markers;
	bool help;
	bool version;
};

/* Fill (c) with QEMU's defaults (128 MiB, 1 vCPU, serial on stdio). */
void config_defaults(struct vm_config *c);

/*
 * Parse (argc, argv) (argv[0] skipped) into (c), which must hold defaults.
 * Returns 0, or -1 with a one-line message naming the bad option in (err).
 * Strings in (c) point into (argv) or into static storage.
 */
int config_parse(struct vm_config *c, int argc, char **argv, char *err, size_t errlen);

/* Parse a QEMU size ("256", "256M", "1G", "512k"; plain numbers are MiB). */
int config_parse_size(const char *s, uint64_t *bytes);

/* The usage text. */
extern const char config_usage[];

#endif
