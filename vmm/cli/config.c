/* config.c: QEMU-compatible command-line parsing. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <net/if.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/config.h"

#define MAX_CPUS 255    /* MP table APIC IDs are 8-bit */
#define MAX_APIC_ID 254 /* and 255 is the broadcast ID (QEMU needs x2APIC above) */

const char config_usage[] =
	"usage: mvm [options]\n"
	"  -M, -machine microvm[,opt=value...]  machine and its options:\n"
	"        pit=on|off|auto pic=on|off|auto rtc=on|off|auto isa-serial=on|off\n"
	"        x-option-roms=on|off auto-kernel-cmdline=on|off kernel-irqchip=on|split\n"
	"        acpi=off pvm-compat=on|off|auto accel=kvm firmware=none (direct kernel boot)\n"
	"  -m SIZE                 guest RAM (default 128M; plain numbers are MiB)\n"
	"  -smp N[,cpus=N][,maxcpus=N][,sockets=N][,cores=N][,threads=N]\n"
	"  -cpu host|max[,+feat][,-feat][,feat=on|off]\n"
	"  -kernel FILE            vmlinux ELF or bzImage\n"
	"  -initrd FILE            initial ramdisk\n"
	"  -append STRING          kernel command line\n"
	"  -bios FILE              firmware image (a multiple of 64 KiB); default with\n"
	"                          -kernel: qboot.rom (firmware=none boots directly)\n"
	"  -L DIR                  look for firmware and option ROMs in DIR first\n"
	"  -serial stdio|null|none|file:PATH\n"
	"  -drive id=ID,file=IMAGE[,format=raw][,if=none][,readonly=on][,cache=MODE]\n"
	"  -netdev tap,id=ID[,ifname=TAP][,script=no,downscript=no]\n"
	"  -chardev stdio|null,id=ID   -chardev file,id=ID,path=FILE\n"
	"  -chardev socket,id=ID,path=SOCKET[,server=on][,wait=off]\n"
	"  -device virtio-blk-device,drive=ID[,serial=S] | virtio-net-device,netdev=ID[,mac=M]\n"
	"        | virtio-serial-device | virtconsole,chardev=ID | virtio-rng-device\n"
	"                          up to 8 virtio-mmio devices; the first takes the last slot\n"
	"  -global virtio-mmio.force-legacy=on|off  register layout version 1 (default) or 2\n"
	"  -no-reboot              exit when the guest resets (triple fault)\n"
	"  -sandbox on|off         seccomp allowlists once the machine is built (default on)\n"
	"  -nodefaults -no-user-config -nographic -display none -enable-kvm -accel kvm\n"
	"  -name NAME\n"
	"  --trace FILE            write the boot probes to FILE (CSV by default)\n"
	"  --trace-format csv|chrome  chrome: Chrome trace-event JSON (Perfetto), plus a\n"
	"                          CSV twin next to it (FILE with .csv for .json)\n"
	"  --probe-summary         print the boot phases on stderr at exit\n"
	"  --console-marker REGEX=NAME  with --probe-summary: the first ttyS0 line\n"
	"                          matching REGEX (POSIX extended) is the point NAME\n"
	"  -h, --help              this text\n"
	"  --version               version\n";

void config_defaults(struct vm_config *c)
{
	memset(c, 0, sizeof(*c));
	c->ram_size = 128ULL << 20;
	c->cpus = c->maxcpus = 1;
	c->topo = (struct cpu_topology){ 1, 1, 1 };
	c->append = "";
	c->serial = SERIAL_STDIO;
	c->isa_serial = true;
	c->option_roms = true;
	c->auto_kernel_cmdline = true;
	c->irqchip = IRQCHIP_SPLIT; /* microvm's default_kernel_irqchip_split */
	c->virtio_legacy = true;
	c->sandbox = true;
}

static int fail(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

int config_parse_size(const char *s, uint64_t *bytes)
{
	unsigned long long v;
	unsigned shift = 20;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default: return -EINVAL;
	}
	if (*end || v == 0 || v > (~0ULL >> shift))
		return -EINVAL;
	*bytes = (uint64_t)v << shift;
	return 0;
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true")) {
		*out = true;
		return 0;
	}
	if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false")) {
		*out = false;
		return 0;
	}
	return -1;
}

static int parse_onoffauto(const char *v, enum onoffauto *out)
{
	bool b;

	if (!strcmp(v, "auto")) {
		*out = ONOFFAUTO_AUTO;
		return 0;
	}
	if (parse_bool(v, &b))
		return -1;
	*out = b ? ONOFFAUTO_ON : ONOFFAUTO_OFF;
	return 0;
}

static int parse_irqchip(struct vm_config *c, const char *v)
{
	if (!strcmp(v, "split"))
		c->irqchip = IRQCHIP_SPLIT;
	else if (!strcmp(v, "on"))
		c->irqchip = IRQCHIP_ON;
	else
		return -1;
	c->irqchip_given = true;
	return 0;
}

/* Iterate "a=b,c=d" in place: returns the next item and advances (*cur). */
static char *next_item(char **cur)
{
	char *item = *cur, *comma;

	if (!item || !*item)
		return NULL;
	comma = strchr(item, ',');
	if (comma) {
		*comma = '\0';
		*cur = comma + 1;
	} else {
		*cur = NULL;
	}
	return item;
}

/* Split "key=value"; a bare "key" gets value NULL. */
static char *split_kv(char *item)
{
	char *eq = strchr(item, '=');

	if (!eq)
		return NULL;
	*eq = '\0';
	return eq + 1;
}

static int machine_option(struct vm_config *c, const char *key, const char *v)
{
	if (!strcmp(key, "pit"))
		return parse_onoffauto(v, &c->pit);
	if (!strcmp(key, "pic"))
		return parse_onoffauto(v, &c->pic);
	if (!strcmp(key, "rtc"))
		return parse_onoffauto(v, &c->rtc);
	if (!strcmp(key, "pvm-compat"))
		return parse_onoffauto(v, &c->pvm_compat);
	if (!strcmp(key, "isa-serial"))
		return parse_bool(v, &c->isa_serial);
	if (!strcmp(key, "x-option-roms"))
		return parse_bool(v, &c->option_roms);
	if (!strcmp(key, "auto-kernel-cmdline"))
		return parse_bool(v, &c->auto_kernel_cmdline);
	if (!strcmp(key, "kernel-irqchip"))
		return parse_irqchip(c, v);
	if (!strcmp(key, "accel"))
		return strcmp(v, "kvm") ? -1 : 0;
	if (!strcmp(key, "acpi")) /* microvm without ACPI is the only platform */
		return strcmp(v, "off") ? -1 : 0;
	if (!strcmp(key, "type"))
		return strcmp(v, "microvm") ? -1 : 0;
	if (!strcmp(key, "firmware")) { /* mvm's own: "none" is a direct kernel boot */
		c->direct_boot = !strcmp(v, "none");
		return c->direct_boot ? 0 : -1;
	}
	return -2;
}

static int parse_machine(struct vm_config *c, char *arg, char *err, size_t len)
{
	char *cur = arg, *item;
	bool first = true;

	while ((item = next_item(&cur))) {
		char *v = split_kv(item);
		int r;

		if (first && !v) {
			if (strcmp(item, "microvm"))
				return fail(err, len, "-M: unsupported machine '%s' (only microvm)", item);
			first = false;
			continue;
		}
		first = false;
		if (!v)
			return fail(err, len, "-M: option '%s' needs a value", item);
		r = machine_option(c, item, v);
		if (r == -2)
			return fail(err, len, "-M: unknown microvm option '%s'", item);
		if (r)
			return fail(err, len, "-M: bad value '%s' for '%s'", v, item);
	}
	return 0;
}

static int parse_uint(const char *s, unsigned max, unsigned *out)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v == 0 || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static unsigned *smp_key(struct smp_opts *s, const char *key)
{
	if (!strcmp(key, "cpus"))
		return &s->cpus;
	if (!strcmp(key, "maxcpus"))
		return &s->maxcpus;
	if (!strcmp(key, "sockets"))
		return &s->sockets;
	if (!strcmp(key, "dies"))
		return &s->dies;
	if (!strcmp(key, "cores"))
		return &s->cores;
	if (!strcmp(key, "threads"))
		return &s->threads;
	return NULL;
}

/* Record the keys; resolve_smp() works out the topology once all -smp are read. */
static int parse_smp(struct vm_config *c, char *arg, char *err, size_t len)
{
	char *cur = arg, *item;
	bool first = true;

	while ((item = next_item(&cur))) {
		char *v = split_kv(item);
		const char *key = item;
		unsigned *slot, n;

		if (first && !v) {
			v = item;
			key = "cpus";
		}
		first = false;
		if (!v || parse_uint(v, UINT32_MAX, &n))
			return fail(err, len, "-smp: bad value in '%s'", item);
		slot = smp_key(&c->smp, key);
		if (!slot)
			return fail(err, len, "-smp: unknown option '%s'", key);
		if (n > MAX_CPUS)
			return fail(err, len, "-smp: %s=%u, microvm has at most %u CPUs", key, n, MAX_CPUS);
		*slot = n;
	}
	return 0;
}

static unsigned or_one(unsigned v)
{
	return v ? v : 1;
}

/* QEMU's rule (6.2+) for what -smp leaves out: with no CPU count, 1 of
 * each; else the cores, then the sockets, then the threads that make up
 * maxcpus (a split that does not divide evenly fails the product check). */
static void fill_topology(struct smp_opts *s)
{
	unsigned max = s->maxcpus ? s->maxcpus : s->cpus;

	if (!max) {
		s->sockets = or_one(s->sockets);
		s->cores = or_one(s->cores);
		s->threads = or_one(s->threads);
		return;
	}
	if (!s->cores) {
		s->sockets = or_one(s->sockets);
		s->threads = or_one(s->threads);
		s->cores = max / (s->sockets * s->threads);
	} else if (!s->sockets) {
		s->threads = or_one(s->threads);
		s->sockets = max / (s->cores * s->threads);
	}
	if (!s->threads)
		s->threads = max / (s->sockets * s->cores);
}

/* The vCPU counts and topology from -smp, refused as QEMU would refuse
 * them, and where an APIC ID would not fit microvm's 8 bits. */
static int resolve_smp(struct vm_config *c, char *err, size_t len)
{
	struct smp_opts s = c->smp;
	unsigned long long total; /* factors are at most 255: no overflow */
	struct cpu_topology t;
	unsigned last_id;

	if (s.dies > 1)
		return fail(err, len, "-smp: dies=%u, microvm has one die per socket", s.dies);
	fill_topology(&s);
	total = (unsigned long long)s.sockets * s.cores * s.threads;
	if (!s.maxcpus && !s.cpus && total > MAX_CPUS)
		return fail(err, len, "-smp: %llu CPUs, microvm has at most %u CPUs", total, MAX_CPUS);
	if (!s.maxcpus)
		s.maxcpus = s.cpus ? s.cpus : (unsigned)total;
	if (!s.cpus)
		s.cpus = s.maxcpus;
	if (total != s.maxcpus)
		return fail(err, len, "-smp: sockets (%u) * cores (%u) * threads (%u) != maxcpus (%u)",
			    s.sockets, s.cores, s.threads, s.maxcpus);
	if (s.cpus > s.maxcpus)
		return fail(err, len, "-smp: cpus (%u) exceeds maxcpus (%u)", s.cpus, s.maxcpus);
	t = (struct cpu_topology){ s.sockets, s.cores, s.threads };
	last_id = cpu_topology_apic_id(&t, s.maxcpus - 1);
	if (last_id > MAX_APIC_ID)
		return fail(err, len, "-smp: sockets=%u,cores=%u,threads=%u numbers APIC IDs up to %u; "
			    "microvm's end at %u (8-bit xAPIC IDs)", s.sockets, s.cores, s.threads,
			    last_id, MAX_APIC_ID);
	c->cpus = s.cpus;
	c->maxcpus = s.maxcpus;
	c->topo = t;
	return 0;
}

static int add_feature(struct vm_config *c, const char *name, bool on, char *err, size_t len)
{
	if (!cpuid_feature_known(name))
		return fail(err, len, "-cpu: unknown or unsupported feature '%s'", name);
	if (c->nfeatures == CPUID_MAX_FEATURE_REQUESTS)
		return fail(err, len, "-cpu: too many feature switches");
	c->features[c->nfeatures++] = (struct cpu_feature_request){ name, on };
	return 0;
}

static int parse_cpu(struct vm_config *c, char *arg, char *err, size_t len)
{
	char *cur = arg, *item = next_item(&cur);

	if (!item || (strcmp(item, "host") && strcmp(item, "max")))
		return fail(err, len, "-cpu: unsupported model '%s' (host or max)", item ? item : "");
	while ((item = next_item(&cur))) {
		char *v;
		bool on;

		if (*item == '+' || *item == '-') {
			if (add_feature(c, item + 1, *item == '+', err, len))
				return -1;
			continue;
		}
		v = split_kv(item);
		if (v && parse_bool(v, &on))
			return fail(err, len, "-cpu: bad value '%s' for '%s'", v, item);
		if (add_feature(c, item, v ? on : true, err, len))
			return -1;
	}
	return 0;
}

static int parse_serial(struct vm_config *c, const char *arg, char *err, size_t len)
{
	if (c->serial_given)
		return fail(err, len, "-serial: microvm has one serial port");
	c->serial_given = true;
	if (!strcmp(arg, "stdio"))
		c->serial = SERIAL_STDIO;
	else if (!strcmp(arg, "null"))
		c->serial = SERIAL_NULL;
	else if (!strcmp(arg, "none"))
		c->serial = SERIAL_NONE;
	else if (!strncmp(arg, "file:", 5) && arg[5]) {
		c->serial = SERIAL_FILE;
		c->serial_path = arg + 5;
	} else
		return fail(err, len, "-serial: unsupported backend '%s' (stdio, null, none, file:PATH)", arg);
	return 0;
}

static int parse_accel(struct vm_config *c, char *arg, char *err, size_t len)
{
	char *cur = arg, *item = next_item(&cur);

	if (!item || strcmp(item, "kvm"))
		return fail(err, len, "-accel: only kvm is supported");
	while ((item = next_item(&cur))) {
		char *v = split_kv(item);

		if (!v || strcmp(item, "kernel-irqchip"))
			return fail(err, len, "-accel: unknown option '%s'", item);
		if (parse_irqchip(c, v))
			return fail(err, len, "-accel: bad kernel-irqchip '%s' (on or split)", v);
	}
	return 0;
}

static bool takes_arg(const char *opt)
{
	static const char *const names[] = {
		"M", "machine", "m", "smp", "cpu", "serial", "accel", "kernel", "initrd",
		"append", "bios", "name", "display", "trace", "trace-format", "L", "drive",
		"netdev", "chardev", "device", "global", "sandbox", "console-marker",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(opt, names[i]))
			return true;
	return false;
}

/* ---- -drive, -netdev, -chardev, -device, -global ---- */

static int drive_option(struct drive_cfg *d, const char *k, const char *v)
{
	if (!strcmp(k, "id"))
		d->id = v;
	else if (!strcmp(k, "file"))
		d->file = v;
	else if (!strcmp(k, "cache"))
		d->cache = v;
	else if (!strcmp(k, "readonly"))
		return parse_bool(v, &d->readonly);
	else if (!strcmp(k, "format"))
		return strcmp(v, "raw") ? -1 : 0;
	else if (!strcmp(k, "if"))
		return strcmp(v, "none") ? -1 : 0; /* microvm has no IDE or SCSI to attach to */
	else
		return -2;
	return 0;
}

static int parse_drive(struct vm_config *c, char *arg, char *err, size_t len)
{
	struct drive_cfg d = { 0 };
	char *cur = arg, *item;

	if (c->ndrives == CONFIG_MAX_BACKENDS)
		return fail(err, len, "-drive: too many drives");
	while ((item = next_item(&cur))) {
		char *v = split_kv(item);
		int r = v ? drive_option(&d, item, v) : -2;

		if (r == -2)
			return fail(err, len, "-drive: unknown option '%s'", item);
		if (r)
			return fail(err, len, "-drive: unsupported %s '%s' (format=raw, if=none)", item, v);
	}
	if (!d.id || !d.file)
		return fail(err, len, "-drive: needs id= and file=");
	c->drive[c->ndrives++] = d;
	return 0;
}

static int parse_netdev(struct vm_config *c, char *arg, char *err, size_t len)
{
	struct netdev_cfg n = { 0 };
	char *cur = arg, *item = next_item(&cur);

	if (!item || strcmp(item, "tap"))
		return fail(err, len, "-netdev: unsupported type '%s' (tap)", item ? item : "");
	if (c->nnetdevs == CONFIG_MAX_BACKENDS)
		return fail(err, len, "-netdev: too many network backends");
	while ((item = next_item(&cur))) {
		char *v = split_kv(item);

		if (v && !strcmp(item, "id"))
			n.id = v;
		else if (v && !strcmp(item, "ifname")) {
			if (!*v || strlen(v) >= IFNAMSIZ)
				return fail(err, len, "-netdev: ifname '%s' is not 1-%d characters", v, IFNAMSIZ - 1);
			n.ifname = v;
		}
		else if (v && (!strcmp(item, "script") || !strcmp(item, "downscript"))) {
			if (strcmp(v, "no"))
				return fail(err, len, "-netdev: %s=%s: mvm runs no scripts (use %s=no)", item, v, item);
		} else
			return fail(err, len, "-netdev: unknown option '%s'", item);
	}
	if (!n.id)
		return fail(err, len, "-netdev: needs id=");
	c->netdev[c->nnetdevs++] = n;
	return 0;
}

static int chardev_kind(const char *s, enum chardev_kind *k)
{
	static const char *const names[] = { "null", "stdio", "file", "socket" };

	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i])) {
			*k = (enum chardev_kind)i;
			return 0;
		}
	return -1;
}

static int chardev_option(struct chardev_opts *o, const char *k, const char *v)
{
	bool ignored;

	if (!strcmp(k, "id") && v)
		o->id = v;
	else if (!strcmp(k, "path") && v)
		o->path = v;
	else if (!strcmp(k, "server"))
		return v ? parse_bool(v, &o->server) : (o->server = true, 0);
	else if (!strcmp(k, "wait"))
		return v ? parse_bool(v, &o->wait) : (o->wait = true, 0);
	else if (!strcmp(k, "nowait") && !v)
		o->wait = false;
	else if ((!strcmp(k, "signal") || !strcmp(k, "mux")) && v)
		return parse_bool(v, &ignored); /* accepted: ISIG stays on, no monitor */
	else
		return -2;
	return 0;
}

static int parse_chardev(struct vm_config *c, char *arg, char *err, size_t len)
{
	struct chardev_opts o = { .wait = true };
	char *cur = arg, *item = next_item(&cur);

	if (!item || chardev_kind(item, &o.kind))
		return fail(err, len, "-chardev: unsupported backend '%s' (stdio, file, socket, null)",
			    item ? item : "");
	if (c->nchardevs == CONFIG_MAX_BACKENDS)
		return fail(err, len, "-chardev: too many character devices");
	while ((item = next_item(&cur))) {
		char *v = split_kv(item);
		int r = chardev_option(&o, item, v);

		if (r == -2)
			return fail(err, len, "-chardev: unknown option '%s'", item);
		if (r)
			return fail(err, len, "-chardev: bad value '%s' for '%s'", v, item);
	}
	if (!o.id || ((o.kind == CHARDEV_FILE || o.kind == CHARDEV_SOCKET) && !o.path))
		return fail(err, len, "-chardev: needs id= (and path= for file and socket)");
	c->chardev[c->nchardevs++] = o;
	return 0;
}

static int device_kind(const char *s, enum device_kind *k)
{
	static const char *const names[] = { "virtio-blk-device", "virtio-net-device",
					     "virtio-serial-device", "virtconsole",
					     "virtio-rng-device" };

	for (int i = 0; i < 5; i++)
		if (!strcmp(s, names[i])) {
			*k = (enum device_kind)i;
			return 0;
		}
	return -1;
}

static int device_option(struct device_cfg *d, const char *k, const char *v)
{
	if (!v)
		return -2;
	if (!strcmp(k, "drive") && d->kind == DEV_VIRTIO_BLK)
		d->drive = v;
	else if (!strcmp(k, "serial") && d->kind == DEV_VIRTIO_BLK)
		d->serial = v;
	else if (!strcmp(k, "netdev") && d->kind == DEV_VIRTIO_NET)
		d->netdev = v;
	else if (!strcmp(k, "mac") && d->kind == DEV_VIRTIO_NET)
		d->mac = v;
	else if (!strcmp(k, "chardev") && d->kind == DEV_VIRTCONSOLE)
		d->chardev = v;
	else if (strcmp(k, "id") && strcmp(k, "name"))
		return -2;
	return 0;
}

static int parse_device(struct vm_config *c, char *arg, char *err, size_t len)
{
	struct device_cfg d = { 0 };
	char *cur = arg, *item = next_item(&cur);

	if (!item || device_kind(item, &d.kind))
		return fail(err, len, "-device: unsupported device '%s' (virtio-blk-device, "
			    "virtio-net-device, virtio-serial-device, virtconsole, virtio-rng-device)",
			    item ? item : "");
	if (c->ndevices == CONFIG_MAX_DEVICES)
		return fail(err, len, "-device: too many devices");
	while ((item = next_item(&cur))) {
		char *v = split_kv(item);

		if (device_option(&d, item, v))
			return fail(err, len, "-device: unknown option '%s'", item);
	}
	c->device[c->ndevices++] = d;
	return 0;
}

static int parse_global(struct vm_config *c, char *arg, char *err, size_t len)
{
	char *v = split_kv(arg);

	if (!v || strcmp(arg, "virtio-mmio.force-legacy") || parse_bool(v, &c->virtio_legacy))
		return fail(err, len, "-global: unsupported '%s' (virtio-mmio.force-legacy=on|off)", arg);
	return 0;
}

/* REGEX=NAME, split at the last '=' (a regex may hold one, a name not);
 * the regex must compile, so that a typo is refused before the boot. */
static int parse_console_marker(struct vm_config *c, const char *arg, char *err, size_t len)
{
	const char *eq = strrchr(arg, '=');
	struct console_marker_cfg *m = &c->console_marker[c->nconsole_markers];
	size_t n = eq ? (size_t)(eq - arg) : 0;
	regex_t re;

	if (c->nconsole_markers == CONFIG_MAX_CONSOLE_MARKERS)
		return fail(err, len, "--console-marker: at most %d", CONFIG_MAX_CONSOLE_MARKERS);
	if (!eq || !n || !eq[1])
		return fail(err, len, "--console-marker: REGEX=NAME, not '%s'", arg);
	if (n >= sizeof(m->regex))
		return fail(err, len, "--console-marker: regex longer than %zu bytes",
			    sizeof(m->regex) - 1);
	memcpy(m->regex, arg, n);
	m->regex[n] = '\0';
	if (regcomp(&re, m->regex, REG_EXTENDED | REG_NOSUB))
		return fail(err, len, "--console-marker: bad regular expression '%s'", m->regex);
	regfree(&re);
	m->name = eq + 1;
	c->nconsole_markers++;
	return 0;
}

/* Options that take an argument. */
static int option_with_arg(struct vm_config *c, const char *opt, char *arg, char *err, size_t len)
{
	if (!strcmp(opt, "M") || !strcmp(opt, "machine"))
		return parse_machine(c, arg, err, len);
	if (!strcmp(opt, "m")) {
		if (!strncmp(arg, "size=", 5))
			arg += 5;
		if (config_parse_size(arg, &c->ram_size))
			return fail(err, len, "-m: invalid size '%s'", arg);
		return 0;
	}
	if (!strcmp(opt, "smp"))
		return parse_smp(c, arg, err, len);
	if (!strcmp(opt, "cpu"))
		return parse_cpu(c, arg, err, len);
	if (!strcmp(opt, "serial"))
		return parse_serial(c, arg, err, len);
	if (!strcmp(opt, "accel"))
		return parse_accel(c, arg, err, len);
	if (!strcmp(opt, "drive"))
		return parse_drive(c, arg, err, len);
	if (!strcmp(opt, "netdev"))
		return parse_netdev(c, arg, err, len);
	if (!strcmp(opt, "chardev"))
		return parse_chardev(c, arg, err, len);
	if (!strcmp(opt, "device"))
		return parse_device(c, arg, err, len);
	if (!strcmp(opt, "global"))
		return parse_global(c, arg, err, len);
	if (!strcmp(opt, "sandbox")) {
		if (parse_bool(arg, &c->sandbox))
			return fail(err, len, "-sandbox: on or off, not '%s'", arg);
		return 0;
	}
	if (!strcmp(opt, "kernel"))
		c->kernel = arg;
	else if (!strcmp(opt, "initrd"))
		c->initrd = arg;
	else if (!strcmp(opt, "append"))
		c->append = arg;
	else if (!strcmp(opt, "bios"))
		c->bios = arg;
	else if (!strcmp(opt, "L"))
		c->datadir = arg;
	else if (!strcmp(opt, "name"))
		c->name = strncmp(arg, "guest=", 6) ? arg : arg + 6;
	else if (!strcmp(opt, "display")) {
		if (strcmp(arg, "none"))
			return fail(err, len, "-display: only 'none' (mvm has no display)");
	} else if (!strcmp(opt, "trace"))
		c->trace_path = arg;
	else if (!strcmp(opt, "console-marker"))
		return parse_console_marker(c, arg, err, len);
	else if (!strcmp(opt, "trace-format")) {
		if (!strcmp(arg, "csv"))
			c->trace_format = TRACE_CSV;
		else if (!strcmp(arg, "chrome"))
			c->trace_format = TRACE_CHROME;
		else
			return fail(err, len, "--trace-format: unknown format '%s' (csv or chrome)", arg);
	}
	return 0;
}

static int option_flag(struct vm_config *c, const char *opt)
{
	if (!strcmp(opt, "nodefaults"))
		c->nodefaults = true;
	else if (!strcmp(opt, "nographic"))
		c->nographic = true;
	else if (!strcmp(opt, "no-reboot"))
		c->no_reboot = true;
	else if (!strcmp(opt, "probe-summary"))
		c->probe_summary = true;
	else if (!strcmp(opt, "h") || !strcmp(opt, "help"))
		c->help = true;
	else if (!strcmp(opt, "version"))
		c->version = true;
	else if (strcmp(opt, "no-user-config") && strcmp(opt, "enable-kvm"))
		return 1;
	return 0;
}

static bool has_id(const char *id, const void *arr, size_t stride, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(*(const char *const *)((const char *)arr + i * stride), id))
			return true;
	return false;
}

/* Every device names a backend that exists; a console follows its bus. */
static int check_devices(const struct vm_config *c, char *err, size_t len)
{
	unsigned transports = 0;
	bool bus = false;

	for (unsigned i = 0; i < c->ndevices; i++) {
		const struct device_cfg *d = &c->device[i];
		const char *what = d->kind == DEV_VIRTIO_BLK ? d->drive : d->kind == DEV_VIRTIO_NET ? d->netdev : d->chardev;

		if (d->kind == DEV_VIRTIO_BLK && (!d->drive || !has_id(d->drive, c->drive, sizeof(c->drive[0]), c->ndrives)))
			return fail(err, len, "-device virtio-blk-device: no -drive with id '%s'", what ? what : "");
		if (d->kind == DEV_VIRTIO_NET && (!d->netdev || !has_id(d->netdev, c->netdev, sizeof(c->netdev[0]), c->nnetdevs)))
			return fail(err, len, "-device virtio-net-device: no -netdev with id '%s'", what ? what : "");
		if (d->kind == DEV_VIRTCONSOLE && d->chardev &&
		    !has_id(d->chardev, c->chardev, sizeof(c->chardev[0]), c->nchardevs))
			return fail(err, len, "-device virtconsole: no -chardev with id '%s'", d->chardev);
		if (d->kind == DEV_VIRTCONSOLE && !bus)
			return fail(err, len, "-device virtconsole: needs a virtio-serial-device before it");
		bus |= d->kind == DEV_VIRTIO_SERIAL;
		transports += d->kind != DEV_VIRTCONSOLE;
	}
	if (transports > 8)
		return fail(err, len, "-device: microvm has 8 virtio-mmio transports, %u devices given", transports);
	return 0;
}

/* Two readers of one terminal would split its input between them. */
static int check_stdio(const struct vm_config *c, char *err, size_t len)
{
	unsigned users = c->isa_serial && c->serial == SERIAL_STDIO;

	for (unsigned i = 0; i < c->nchardevs; i++)
		users += c->chardev[i].kind == CHARDEV_STDIO;
	return users > 1 ? fail(err, len, "stdio is used by more than one of -serial and -chardev") : 0;
}

static int check(struct vm_config *c, char *err, size_t len)
{
	if (c->help || c->version)
		return 0;
	if (resolve_smp(c, err, len))
		return -1;
	if (!c->kernel && !c->bios)
		return fail(err, len, "nothing to boot: give -kernel or -bios");
	if (c->initrd && !c->kernel)
		return fail(err, len, "-initrd needs -kernel");
	if (c->direct_boot && (!c->kernel || c->bios))
		return fail(err, len, "firmware=none boots -kernel directly: give -kernel, not -bios");
	if (*c->append && !c->kernel)
		return fail(err, len, "-append needs -kernel");
	if (check_devices(c, err, len))
		return -1;
	if (c->nconsole_markers && !c->probe_summary)
		return fail(err, len, "--console-marker: the points go to --probe-summary: give it");
	/* QEMU: -nodefaults without -serial leaves serial0 unconnected. */
	if (c->nodefaults && !c->serial_given)
		c->serial = SERIAL_NONE;
	return check_stdio(c, err, len);
}

int config_parse(struct vm_config *c, int argc, char **argv, char *err, size_t len)
{
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i];
		int r;

		if (opt[0] != '-' || !opt[1])
			return fail(err, len, "unexpected argument '%s'", opt);
		opt += (opt[1] == '-') ? 2 : 1;
		if (option_flag(c, opt) == 0)
			continue;
		if (!takes_arg(opt))
			return fail(err, len, "unknown option '%s'", argv[i]);
		if (i + 1 >= argc)
			return fail(err, len, "option '%s' needs an argument", argv[i]);
		r = option_with_arg(c, opt, argv[++i], err, len);
		if (r)
			return -1;
	}
	return check(c, err, len);
}
