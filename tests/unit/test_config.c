/* test_config.c: the QEMU-compatible command line, good and bad. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "cli/config.h"

static struct vm_config c;
static char err[256];

/* Parse a NULL-terminated list of arguments (argv[0] is added). */
static int parse(const char *const *args)
{
	char *argv[64] = { (char *)"mvm" };
	static char store[64][512];
	int argc = 1;

	for (; args[argc - 1]; argc++) {
		strncpy(store[argc], args[argc - 1], sizeof(store[0]) - 1);
		argv[argc] = store[argc];
	}
	config_defaults(&c);
	err[0] = 0;
	return config_parse(&c, argc, argv, err, sizeof(err));
}

#define PARSE(...) parse((const char *const[]){ __VA_ARGS__, NULL })

/* The arguments were refused (parse returned (parsed)), with a message
 * that names (why) ("": any message); (row) of a table, or -1. */
static void check_refused(int line, int row, const char *why, int parsed)
{
	if (parsed == 0 || !strstr(err, why)) {
		fprintf(stderr, "%s:%d: row %d: parse returned %d, message '%s'; expected a refusal "
			"naming '%s'\n", __FILE__, line, row, parsed, err, why);
		check_current_failed = 1;
	}
}

#define REFUSED(why, ...) check_refused(__LINE__, -1, why, PARSE(__VA_ARGS__))

/* One option refused, before -kernel k: its value, what the message names. */
struct refusal {
	const char *option, *value, *why;
};

static void check_refusals(int line, const struct refusal *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		check_refused(line, (int)i, r[i].why, PARSE(r[i].option, r[i].value, "-kernel", "k"));
}

#define REFUSALS(...)                                                                        \
	check_refusals(__LINE__, (const struct refusal[]){ __VA_ARGS__ },                    \
		       LEN_OF(struct refusal, __VA_ARGS__))

static bool topo_is(unsigned sockets, unsigned cores, unsigned threads)
{
	return c.topo.sockets == sockets && c.topo.cores == cores && c.topo.threads == threads;
}

/* How -smp comes out: vCPUs, the most there may be, and the topology. */
struct smp_case {
	const char *smp;
	unsigned cpus, maxcpus, sockets, cores, threads;
};

static void check_smp(int line, const struct smp_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct smp_case *k = &cases[i];

		CHECK_EQ_ROW(line, i, PARSE("-smp", k->smp, "-kernel", "k"), 0);
		CHECK_EQ_ROW(line, i, c.cpus, k->cpus);
		CHECK_EQ_ROW(line, i, c.maxcpus, k->maxcpus);
		CHECK_EQ_ROW(line, i, topo_is(k->sockets, k->cores, k->threads), 1);
	}
}

#define SMP(...)                                                                             \
	check_smp(__LINE__, (const struct smp_case[]){ __VA_ARGS__ }, LEN_OF(struct smp_case, __VA_ARGS__))

static void test_config_defaults_are_qemus(void)
{
	CHECK_EQ(PARSE("-kernel", "vmlinux"), 0);
	CHECK_EQ(c.ram_size, 128ULL << 20);
	CHECK_EQ(c.cpus, 1);
	CHECK_EQ(c.serial, SERIAL_STDIO);
	CHECK(c.isa_serial && c.option_roms && c.auto_kernel_cmdline);
	CHECK_EQ(c.pit, ONOFFAUTO_AUTO);
	CHECK_EQ(c.pic, ONOFFAUTO_AUTO);
	CHECK_EQ(c.rtc, ONOFFAUTO_AUTO);
	CHECK_EQ(c.irqchip, IRQCHIP_SPLIT);
	CHECK(!c.no_reboot);
}

static void test_config_seed_command_line_parses(void)
{
	CHECK_EQ(PARSE("-M", "microvm", "-enable-kvm", "-cpu", "host", "-m", "512m", "-kernel",
		       "vmlinux", "-append", "earlyprintk=ttyS0 console=ttyS0", "-nodefaults",
		       "-no-user-config", "-nographic", "-serial", "stdio"),
		 0);
	CHECK_EQ(c.ram_size, 512ULL << 20);
	CHECK(!strcmp(c.kernel, "vmlinux"));
	CHECK(!strcmp(c.append, "earlyprintk=ttyS0 console=ttyS0"));
	CHECK(c.nodefaults && c.nographic);
	CHECK_EQ(c.serial, SERIAL_STDIO);
}

static void test_config_machine_options(void)
{
	CHECK_EQ(PARSE("-M", "microvm,x-option-roms=off,pit=off,pic=off,isa-serial=off,rtc=on,"
			     "auto-kernel-cmdline=off,kernel-irqchip=split,acpi=off,pvm-compat=off",
		       "-kernel", "k"),
		 0);
	CHECK(!c.option_roms && !c.isa_serial && !c.auto_kernel_cmdline);
	CHECK_EQ(c.pit, ONOFFAUTO_OFF);
	CHECK_EQ(c.pic, ONOFFAUTO_OFF);
	CHECK_EQ(c.rtc, ONOFFAUTO_ON);
	CHECK_EQ(c.irqchip, IRQCHIP_SPLIT);
	CHECK_EQ(c.pvm_compat, ONOFFAUTO_OFF);
	CHECK_EQ(PARSE("-machine", "type=microvm,accel=kvm", "-kernel", "k"), 0);
	CHECK_EQ(PARSE("-M", "microvm,firmware=none", "-kernel", "k"), 0);
	CHECK(c.direct_boot);
	REFUSED("", "-M", "microvm,firmware=none", "-bios", "fw", "-kernel", "k");
	REFUSED("", "-M", "microvm,firmware=qboot", "-kernel", "k");
}

static void test_config_bad_machine_options_name_the_problem(void)
{
	REFUSALS({ "-M", "pc", "'pc'" }, { "-M", "microvm,warp=on", "'warp'" },
		 { "-M", "microvm,acpi=on", "" }, { "-M", "microvm,pit", "needs a value" },
		 { "-M", "microvm,kernel-irqchip=off", "" }, { "-M", "microvm,pit=maybe", "'maybe'" });
	CHECK(strstr(err, "'pit'"));
}

static void test_config_sizes(void)
{
	uint64_t b;

	CHECK_EQ(config_parse_size("256", &b), 0);
	CHECK_EQ(b, 256ULL << 20);
	CHECK_EQ(config_parse_size("1G", &b), 0);
	CHECK_EQ(b, 1ULL << 30);
	CHECK_EQ(config_parse_size("65536k", &b), 0);
	CHECK_EQ(b, 64ULL << 20);
	CHECK(config_parse_size("", &b) != 0);
	CHECK(config_parse_size("-1", &b) != 0);
	CHECK(config_parse_size("0", &b) != 0);
	CHECK(config_parse_size("12Q", &b) != 0);
	CHECK(config_parse_size("1MM", &b) != 0);
	CHECK(config_parse_size("99999999999999999999", &b) != 0);
	CHECK(config_parse_size("20000000T", &b) != 0);
	CHECK_EQ(PARSE("-m", "size=64M", "-kernel", "k"), 0);
	CHECK_EQ(c.ram_size, 64ULL << 20);
	REFUSED("'lots'", "-m", "lots", "-kernel", "k");
}

static void test_config_smp(void)
{
	SMP({ "2", 2, 2, 1, 2, 1 }, { "cpus=2,maxcpus=4", 2, 4, 1, 4, 1 },
	    { "sockets=2,cores=2", 4, 4, 2, 2, 1 });
	REFUSALS({ "-smp", "0", "" }, { "-smp", "cpus=4,maxcpus=2", "" }, { "-smp", "300", "" },
		 { "-smp", "2,books=1", "'books'" });
}

static void test_config_smp_every_count_up_to_255(void)
{
	unsigned bad = 0;

	for (unsigned n = 1; n <= 255; n++) {
		char arg[8];

		snprintf(arg, sizeof(arg), "%u", n);
		bad += PARSE("-smp", arg, "-kernel", "k") != 0 || c.cpus != n || c.maxcpus != n ||
		       c.topo.sockets != 1 || c.topo.cores != n || c.topo.threads != 1;
	}
	CHECK_EQ(bad, 0);
}

/* QEMU's keyval parser keeps the last value of a repeated key: the product
 * of the topology is never a product of repeats (2^33 wrapped to 0 CPUs). */
static void test_config_smp_repeated_key_takes_the_last_value(void)
{
	char arg[400] = "";

	for (int i = 0; i < 33; i++)
		strcat(arg, i ? ",sockets=2" : "sockets=2");
	SMP({ arg, 2, 2, 2, 1, 1 }, { "cores=200,threads=2,cores=3", 6, 6, 1, 3, 2 },
	    { "4,cpus=2", 2, 2, 1, 2, 1 });
}

/* QEMU (6.2+) fills in what -smp leaves out, cores first, over maxcpus. */
static void test_config_smp_topology_as_qemu_computes_it(void)
{
	SMP({ "maxcpus=8", 8, 8, 1, 8, 1 },
	    { "4,maxcpus=8,sockets=2", 4, 8, 2, 4, 1 },
	    { "cpus=200,sockets=2,cores=50,threads=2", 200, 200, 2, 50, 2 },
	    { "2,threads=2", 2, 2, 1, 1, 2 },
	    { "6,dies=1,sockets=2", 6, 6, 2, 3, 1 },
	    { "8,cores=2", 8, 8, 4, 2, 1 },
	    { "8,sockets=2,cores=2", 8, 8, 2, 2, 2 },
	    { "sockets=2,threads=2", 4, 4, 2, 1, 2 },
	    { "", 1, 1, 1, 1, 1 });
	/* -smp given twice: the keys merge, the later value wins */
	CHECK_EQ(PARSE("-smp", "4", "-smp", "sockets=2", "-kernel", "k"), 0);
	CHECK_EQ(c.cpus, 4);
	CHECK(topo_is(2, 2, 1));
}

/* The APIC ID of the last of (n) vCPUs of sockets (s), cores (co), threads
 * (th): fields as wide as the counts need. */
static unsigned last_apic_id(unsigned s, unsigned co, unsigned th)
{
	unsigned n = s * co * th - 1, tb = 0, cb = 0;

	while ((1u << tb) < th)
		tb++;
	while ((1u << cb) < co)
		cb++;
	return (n / (co * th)) << (tb + cb) | (n / th % co) << tb | n % th;
}

/* Every split of up to 255 vCPUs is taken exactly when its APIC IDs fit
 * below 255, and then as given. */
static void test_config_smp_every_split(void)
{
	unsigned wrong = 0, taken = 0;

	for (unsigned s = 1; s <= 255; s++)
		for (unsigned co = 1; s * co <= 255; co++)
			for (unsigned th = 1; s * co * th <= 255; th++) {
				bool fits = last_apic_id(s, co, th) <= 254;
				char arg[64];
				int r;

				snprintf(arg, sizeof(arg), "sockets=%u,cores=%u,threads=%u", s, co, th);
				r = PARSE("-smp", arg, "-kernel", "k");
				wrong += fits ? r != 0 || c.cpus != s * co * th || !topo_is(s, co, th)
					      : r == 0 || !strstr(err, "APIC ID");
				taken += r == 0;
			}
	CHECK_EQ(wrong, 0);
	CHECK(taken > 1000);
}

static void test_config_smp_bad_topologies_name_the_problem(void)
{
	REFUSALS({ "-smp", "5,sockets=2", "-smp" }, /* 2 sockets of whole cores: no */
		 { "-smp", "8,sockets=2,cores=2,threads=3", "-smp" },
		 { "-smp", "2,sockets=4", "" },
		 { "-smp", "4,dies=2", "dies" }, /* microvm, like QEMU's: one die per socket */
		 { "-smp", "sockets=0", "" },
		 { "-smp", "2,maxcpus=0", "" },
		 { "-smp", "cpus=2,maxcpus=255,sockets=5,cores=51", "APIC ID" },
		 { "-smp", "300", "at most 255 CPUs" },
		 /* 5 sockets of 51 cores: core IDs take 6 bits, the last APIC ID is 306 */
		 { "-smp", "255,sockets=5,cores=51", "APIC ID" });
	CHECK(strstr(err, "-smp"));
	/* 2 sockets of 127 threads: the second socket starts at APIC ID 128 */
	CHECK_EQ(PARSE("-smp", "254,sockets=2,threads=127", "-kernel", "k"), 0);
	CHECK(PARSE("-smp", "254,sockets=2,cores=127,threads=1,maxcpus=254", "-kernel", "k") == 0);
}

static void test_config_cpu_features(void)
{
	CHECK_EQ(PARSE("-cpu", "host,-arch-capabilities,+x2apic,kvmclock=off,invtsc", "-kernel", "k"), 0);
	CHECK_EQ(c.nfeatures, 4);
	CHECK(!strcmp(c.features[0].name, "arch-capabilities") && !c.features[0].on);
	CHECK(c.features[1].on);
	CHECK(!c.features[2].on);
	CHECK(c.features[3].on);
	REFUSED("", "-cpu", "qemu64", "-kernel", "k");
	REFUSED("'warpdrive'", "-cpu", "host,+warpdrive", "-kernel", "k");
	REFUSED("", "-cpu", "host,x2apic=sometimes", "-kernel", "k");
}

static void test_config_serial_backends(void)
{
	CHECK_EQ(PARSE("-serial", "file:/tmp/out", "-kernel", "k"), 0);
	CHECK_EQ(c.serial, SERIAL_FILE);
	CHECK(!strcmp(c.serial_path, "/tmp/out"));
	CHECK_EQ(PARSE("-serial", "none", "-kernel", "k"), 0);
	CHECK_EQ(c.serial, SERIAL_NONE);
	CHECK_EQ(PARSE("-serial", "null", "-kernel", "k"), 0);
	CHECK_EQ(c.serial, SERIAL_NULL);
	REFUSED("", "-serial", "tcp:localhost:4444", "-kernel", "k");
	REFUSED("", "-serial", "file:", "-kernel", "k");
	REFUSED("", "-serial", "stdio", "-serial", "stdio", "-kernel", "k");
}

static void test_config_nodefaults_without_serial_has_no_serial(void)
{
	CHECK_EQ(PARSE("-nodefaults", "-kernel", "k"), 0);
	CHECK_EQ(c.serial, SERIAL_NONE);
	CHECK_EQ(PARSE("-nodefaults", "-serial", "stdio", "-kernel", "k"), 0);
	CHECK_EQ(c.serial, SERIAL_STDIO);
}

static void test_config_accel_and_display(void)
{
	CHECK_EQ(PARSE("-accel", "kvm,kernel-irqchip=on", "-display", "none", "-kernel", "k"), 0);
	CHECK_EQ(c.irqchip, IRQCHIP_ON);
	REFUSED("", "-accel", "tcg", "-kernel", "k");
	REFUSED("", "-display", "gtk", "-kernel", "k");
}

static void test_config_double_dash_and_probes(void)
{
	CHECK_EQ(PARSE("--kernel", "k", "--trace", "t.csv", "--probe-summary", "--no-reboot"), 0);
	CHECK(!strcmp(c.trace_path, "t.csv"));
	CHECK(c.probe_summary && c.no_reboot);
	REFUSED("", "--trace-format", "xml", "-kernel", "k");
}

static void test_config_console_markers(void)
{
	CHECK_EQ(PARSE("-kernel", "k", "--probe-summary", "--console-marker", "a=b=login",
		       "--console-marker", "^Run .* as init=init"), 0);
	CHECK_EQ(c.nconsole_markers, 2);
	CHECK_STREQ(c.console_marker[0].regex, "a=b");
	CHECK_STREQ(c.console_marker[0].name, "login");
	CHECK_STREQ(c.console_marker[1].regex, "^Run .* as init");
	CHECK_STREQ(c.console_marker[1].name, "init");
	REFUSED("REGEX=NAME", "-kernel", "k", "--probe-summary", "--console-marker", "noname");
	REFUSED("REGEX=NAME", "-kernel", "k", "--probe-summary", "--console-marker", "=x");
	REFUSED("REGEX=NAME", "-kernel", "k", "--probe-summary", "--console-marker", "x=");
	REFUSED("bad regular expression", "-kernel", "k", "--probe-summary", "--console-marker",
		"(=x");
	REFUSED("--probe-summary", "-kernel", "k", "--console-marker", "a=b");
}

static void test_config_unknown_and_missing_arguments(void)
{
	REFUSED("'-frobnicate'", "-kernel", "k", "-frobnicate");
	REFUSED("needs an argument", "-kernel");
	REFUSED("'stray'", "-kernel", "k", "stray");
	REFUSED("", "-");
}

static void test_config_needs_something_to_boot(void)
{
	REFUSED("-kernel or -bios", "-m", "64");
	REFUSED("", "-bios", "fw.bin", "-initrd", "i");
	REFUSED("", "-bios", "fw.bin", "-append", "x");
	CHECK_EQ(PARSE("-bios", "fw.bin"), 0);
	CHECK_EQ(PARSE("--help"), 0);
	CHECK(c.help);
	CHECK_EQ(PARSE("-version"), 0);
	CHECK(c.version);
}

static void test_config_seed_virtio_command_line_parses(void)
{
	CHECK_EQ(PARSE("-M", "microvm,x-option-roms=off,pit=off,pic=off,isa-serial=off,rtc=off",
		       "-enable-kvm", "-cpu", "host", "-m", "512m", "-smp", "2", "-kernel", "vmlinux",
		       "-append", "console=hvc0 root=/dev/vda", "-nodefaults", "-no-user-config",
		       "-nographic", "-chardev", "stdio,id=virtiocon0", "-device", "virtio-serial-device",
		       "-device", "virtconsole,chardev=virtiocon0", "-drive",
		       "id=test,file=test.img,format=raw,if=none", "-device",
		       "virtio-blk-device,drive=test", "-netdev", "tap,id=tap0,script=no,downscript=no",
		       "-device", "virtio-net-device,netdev=tap0"),
		 0);
	CHECK_EQ(c.ndevices, 4);
	CHECK_EQ(c.device[1].kind, DEV_VIRTCONSOLE);
	CHECK(!strcmp(c.drive[0].file, "test.img"));
	CHECK(c.netdev[0].ifname == NULL); /* the kernel names the tap */
	CHECK_EQ(c.chardev[0].kind, CHARDEV_STDIO);
	CHECK(c.virtio_legacy); /* QEMU's default */
	CHECK_EQ(PARSE("-global", "virtio-mmio.force-legacy=off", "-kernel", "k"), 0);
	CHECK(!c.virtio_legacy);
}

static void test_config_virtio_errors_name_the_problem(void)
{
	REFUSALS({ "-device", "virtio-blk-device,drive=nope", "no -drive with id 'nope'" },
		 { "-netdev", "user,id=n", "'user'" },
		 { "-netdev", "tap,id=n,script=/etc/qemu-ifup", "runs no scripts" },
		 { "-netdev", "tap,id=n,ifname=name-longer-than-15", "ifname" },
		 { "-drive", "id=d,file=x,format=qcow2", "format" }, { "-drive", "id=d", "" },
		 { "-device", "virtconsole", "virtio-serial-device before it" },
		 { "-device", "virtio-gpu-device", "" }, { "-chardev", "socket,id=c", "" },
		 { "-global", "virtio-mmio.foo=on", "" });
	REFUSED("stdio", "-chardev", "stdio,id=c", "-serial", "stdio", "-kernel", "k");
	CHECK_EQ(PARSE("-chardev", "stdio,id=c", "-serial", "null", "-kernel", "k"), 0);
	REFUSED("8 virtio-mmio transports", "-device", "virtio-rng-device", "-device",
		"virtio-rng-device", "-device", "virtio-rng-device", "-device", "virtio-rng-device",
		"-device", "virtio-rng-device", "-device", "virtio-rng-device", "-device",
		"virtio-rng-device", "-device", "virtio-rng-device", "-device", "virtio-rng-device",
		"-kernel", "k");
}

static void test_config_name(void)
{
	CHECK_EQ(PARSE("-name", "guest=vm1,debug-threads=on", "-kernel", "k"), 0);
	CHECK(!strncmp(c.name, "vm1", 3));
}

int main(void)
{
	RUN(test_config_defaults_are_qemus);
	RUN(test_config_seed_command_line_parses);
	RUN(test_config_machine_options);
	RUN(test_config_bad_machine_options_name_the_problem);
	RUN(test_config_sizes);
	RUN(test_config_smp);
	RUN(test_config_smp_every_count_up_to_255);
	RUN(test_config_smp_repeated_key_takes_the_last_value);
	RUN(test_config_smp_topology_as_qemu_computes_it);
	RUN(test_config_smp_bad_topologies_name_the_problem);
	RUN(test_config_smp_every_split);
	RUN(test_config_cpu_features);
	RUN(test_config_serial_backends);
	RUN(test_config_nodefaults_without_serial_has_no_serial);
	RUN(test_config_accel_and_display);
	RUN(test_config_double_dash_and_probes);
	RUN(test_config_console_markers);
	RUN(test_config_unknown_and_missing_arguments);
	RUN(test_config_needs_something_to_boot);
	RUN(test_config_seed_virtio_command_line_parses);
	RUN(test_config_virtio_errors_name_the_problem);
	RUN(test_config_name);
	return check_summary("config");
}
