/* fuzz_virtio_console.c: a guest driving the virtio console through its
 * transport (see fuzz_virtio.h), on a Unix-socket chardev as
 * `-chardev socket,server=on` makes it, with the target as the client:
 * it reads what the guest writes and types the input's bytes (0xfe: a
 * 1-byte length, then bytes). */
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fuzz_virtio.h"
#include "virtio/console.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fuzz_virtio f;
static struct virtio_console con;
static struct chardev chr;
static int client = -1;

static void drain_output(void)
{
	static uint8_t buf[65536];

	while (recv(client, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

/* Output and input of the previous input. */
static void drop_leftovers(void)
{
	uint8_t buf[4096];

	drain_output();
	while (chardev_read(&chr, buf, sizeof(buf)) > 0)
		;
}

static void type_input(struct fuzz_in *in)
{
	const uint8_t *bytes;
	size_t len = fuzz_virtio_span(in, fuzz_take(in, 1), &bytes);

	(void)send(client, bytes, len, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* The chardev listens at a path; once its one client is connected and
 * accepted, the path is not needed any more. */
static void connect_client(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	client = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	if (client < 0 || connect(client, (struct sockaddr *)&a, sizeof(a)))
		__builtin_trap();
	while (evloop_run_once(&f.loop, 0) > 0)
		; /* accept */
	unlink(path);
	if (chr.in_fd < 0)
		__builtin_trap();
}

static void setup(void)
{
	static char path[64];
	struct chardev_opts o = { "con0", CHARDEV_SOCKET, path, true, false };
	const char *why = "";

	snprintf(path, sizeof(path), "/tmp/mvm-fuzz-con-%d", (int)getpid());
	fuzz_virtio_setup(&f);
	virtio_console_init(&con, (struct virtio_console_events){ 0 });
	fuzz_virtio_attach(&f, &virtio_console_backend, &con);
	if (chardev_open(&chr, &o, &f.loop, virtio_console_input, &con, &why))
		__builtin_trap();
	con.chr = &chr;
	connect_client(path);
	f.begin = drop_leftovers;
	f.host = type_input;
	f.settle = drain_output;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!f.mem.ram)
		setup();
	fuzz_virtio_run(&f, data, size);
	return 0;
}
