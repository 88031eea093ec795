/* test_virtio_blk.c: virtio-blk requests against a temporary raw image,
 * through the real transport and queue walker. */
#include <errno.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "vdriver.h"
#include "virtio/blk.h"

#define SECTORS 64
#define HDR VD_BUFS
#define DATA (VD_BUFS + 0x1000)
#define STATUS (VD_BUFS + 0x100)

static struct vdriver d;
static struct virtio_blk blk;
static char image[] = "/tmp/mvm-test-blk-XXXXXX";

/* A SECTORS-sector image whose sector n is filled with byte n. */
static void start_with(bool readonly, const char *cache)
{
	const char *why = NULL;
	uint8_t sector[512];
	int fd = mkstemp(image);

	CHECK(fd >= 0);
	for (unsigned n = 0; n < SECTORS; n++) {
		memset(sector, (int)n, sizeof(sector));
		CHECK_EQ(write(fd, sector, sizeof(sector)), sizeof(sector));
	}
	close(fd);
	CHECK_EQ(virtio_blk_open(&blk, image, "disk0", readonly, cache, &why), 0);
	vd_init(&d, readonly ? &virtio_blk_ro_backend : &virtio_blk_backend, &blk, false);
	d.wait_ms = 5000; /* requests complete on the device's own thread */
	vd_negotiate(&d, (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_BLK_F_FLUSH));
	vd_queue(&d, 0);
	vd_driver_ok(&d);
}

static void start(void)
{
	start_with(false, NULL);
}

static void stop(void)
{
	virtio_blk_close(&blk);
	vd_free(&d);
	unlink(image);
	strcpy(image, "/tmp/mvm-test-blk-XXXXXX");
}

static void header(uint32_t type, uint64_t sector)
{
	struct virtio_blk_outhdr h = { .type = type, .sector = sector };

	CHECK_EQ(mem_write(&d.mem, HDR, &h, sizeof(h)), 0);
}

static uint8_t status(void)
{
	return *(uint8_t *)mem_ptr(&d.mem, STATUS, 1);
}

/* header, (len) data bytes at DATA (device-writable for IN), status. */
static long request(uint32_t type, uint64_t sector, uint32_t len)
{
	struct vd_buf b[3] = {
		{ HDR, 16, false },
		{ DATA, len, type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID },
		{ STATUS, 1, true },
	};

	header(type, sector);
	*(uint8_t *)mem_ptr(&d.mem, STATUS, 1) = 0xee;
	if (!len) {
		b[1] = b[2];
		return vd_request(&d, 0, b, 2);
	}
	return vd_request(&d, 0, b, 3);
}

static void test_config_reports_capacity_and_block_size(void)
{
	start();
	CHECK_EQ(vd_read(&d, VIRTIO_MMIO_CONFIG), SECTORS);
	CHECK_EQ(vd_read(&d, VIRTIO_MMIO_CONFIG + 4), 0);
	CHECK_EQ(vd_read(&d, VIRTIO_MMIO_CONFIG + 20), 512); /* blk_size */
	CHECK_EQ(bus_read_or(&d.bus, VIRTIO_MMIO_BASE + VIRTIO_MMIO_CONFIG, 1, 0), SECTORS);
	CHECK_EQ(bus_read_or(&d.bus, VIRTIO_MMIO_BASE + VIRTIO_MMIO_CONFIG + 0x80, 4, 0), 0); /* past the end */
	stop();
}

static void test_read_returns_image_sectors(void)
{
	uint8_t *p;

	start();
	CHECK_EQ(request(VIRTIO_BLK_T_IN, 3, 1024), 1025);
	CHECK_EQ(status(), VIRTIO_BLK_S_OK);
	p = mem_ptr(&d.mem, DATA, 1024);
	CHECK_EQ(p[0], 3);
	CHECK_EQ(p[511], 3);
	CHECK_EQ(p[512], 4);
	CHECK_EQ(p[1023], 4);
	CHECK_EQ(blk.reads, 1);
	stop();
}

static void test_write_then_read_back(void)
{
	start();
	memset(mem_ptr(&d.mem, DATA, 512), 0xab, 512);
	CHECK_EQ(request(VIRTIO_BLK_T_OUT, 10, 512), 1);
	CHECK_EQ(status(), VIRTIO_BLK_S_OK);
	memset(mem_ptr(&d.mem, DATA, 512), 0, 512);
	CHECK_EQ(request(VIRTIO_BLK_T_IN, 10, 512), 513);
	CHECK_EQ(*(uint8_t *)mem_ptr(&d.mem, DATA + 100, 1), 0xab);
	CHECK_EQ(blk.writes, 1);
	stop();
}

static void test_header_and_data_in_one_buffer(void)
{
	struct vd_buf b[2] = { { HDR, 16 + 512, false }, { STATUS, 1, true } };

	start();
	header(VIRTIO_BLK_T_OUT, 2);
	memset(mem_ptr(&d.mem, HDR + 16, 512), 0x5a, 512);
	CHECK_EQ(vd_request(&d, 0, b, 2), 1);
	CHECK_EQ(status(), VIRTIO_BLK_S_OK);
	CHECK_EQ(request(VIRTIO_BLK_T_IN, 2, 512), 513);
	CHECK_EQ(*(uint8_t *)mem_ptr(&d.mem, DATA + 511, 1), 0x5a);
	stop();
}

static void test_beyond_capacity_is_ioerr(void)
{
	start();
	CHECK_EQ(request(VIRTIO_BLK_T_IN, SECTORS - 1, 1024), 1);
	CHECK_EQ(status(), VIRTIO_BLK_S_IOERR);
	CHECK_EQ(request(VIRTIO_BLK_T_IN, ~0ULL, 512), 1); /* sector + length wraps */
	CHECK_EQ(status(), VIRTIO_BLK_S_IOERR);
	CHECK_EQ(blk.reads, 0);
	stop();
}

static void test_partial_sector_is_ioerr(void)
{
	start();
	CHECK_EQ(request(VIRTIO_BLK_T_IN, 0, 100), 1);
	CHECK_EQ(status(), VIRTIO_BLK_S_IOERR);
	stop();
}

static void test_flush_and_get_id(void)
{
	start();
	CHECK_EQ(request(VIRTIO_BLK_T_FLUSH, 0, 0), 1);
	CHECK_EQ(status(), VIRTIO_BLK_S_OK);
	CHECK_EQ(blk.flushes, 1);
	CHECK_EQ(request(VIRTIO_BLK_T_GET_ID, 0, VIRTIO_BLK_ID_BYTES), VIRTIO_BLK_ID_BYTES + 1);
	CHECK_EQ(status(), VIRTIO_BLK_S_OK);
	CHECK(!memcmp(mem_ptr(&d.mem, DATA, 6), "disk0", 6));
	stop();
}

static void test_unknown_request_is_unsupp(void)
{
	start();
	CHECK_EQ(request(0x1234, 0, 0), 1);
	CHECK_EQ(status(), VIRTIO_BLK_S_UNSUPP);
	stop();
}

static void test_read_only_drive_refuses_writes(void)
{
	start_with(true, NULL);
	CHECK(vd_read(&d, VIRTIO_MMIO_DEVICE_FEATURES) & (1u << VIRTIO_BLK_F_RO));
	CHECK_EQ(request(VIRTIO_BLK_T_OUT, 0, 512), 1);
	CHECK_EQ(status(), VIRTIO_BLK_S_IOERR);
	CHECK_EQ(request(VIRTIO_BLK_T_IN, 0, 512), 513);
	CHECK_EQ(status(), VIRTIO_BLK_S_OK);
	stop();
}

static void test_request_without_status_byte_resets_device(void)
{
	struct vd_buf b = { HDR, 16, false };

	start();
	header(VIRTIO_BLK_T_IN, 0);
	CHECK_EQ(vd_request(&d, 0, &b, 1), -1);
	CHECK(vd_read(&d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	stop();
}

static void test_short_header_is_ioerr(void)
{
	struct vd_buf b[2] = { { HDR, 8, false }, { STATUS, 1, true } };

	start();
	header(VIRTIO_BLK_T_IN, 0);
	CHECK_EQ(vd_request(&d, 0, b, 2), 1);
	CHECK_EQ(status(), VIRTIO_BLK_S_IOERR);
	stop();
}

/* ---- slow image I/O: requests held in flight at a gate ---- */

/* Every image access waits at the gate until the test lets it through
 * (one ticket per access).  The wait is bounded: a device that did its
 * I/O on the caller's thread then fails the checks instead of hanging. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned tickets, entered, left;
	bool timed_out;
} gate = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, false };

#define GATE_WAIT_S 2
#define GATE_OPEN 0xffffffffu

static void gate_close(void)
{
	pthread_mutex_lock(&gate.lock);
	gate.tickets = gate.entered = gate.left = 0;
	gate.timed_out = false;
	pthread_mutex_unlock(&gate.lock);
}

static void gate_let(unsigned n)
{
	pthread_mutex_lock(&gate.lock);
	gate.tickets = n == GATE_OPEN ? GATE_OPEN : gate.tickets + n;
	pthread_cond_broadcast(&gate.cond);
	pthread_mutex_unlock(&gate.lock);
}

static void gate_pass(void)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += GATE_WAIT_S;
	pthread_mutex_lock(&gate.lock);
	gate.entered++;
	pthread_cond_broadcast(&gate.cond);
	while (!gate.tickets && !gate.timed_out)
		if (pthread_cond_timedwait(&gate.cond, &gate.lock, &until) == ETIMEDOUT)
			gate.timed_out = true;
	if (gate.tickets && gate.tickets != GATE_OPEN)
		gate.tickets--;
	pthread_mutex_unlock(&gate.lock);
}

static void gate_passed(void)
{
	pthread_mutex_lock(&gate.lock);
	gate.left++;
	pthread_cond_broadcast(&gate.cond);
	pthread_mutex_unlock(&gate.lock);
}

static unsigned gate_count(const unsigned *counter)
{
	unsigned n;

	pthread_mutex_lock(&gate.lock);
	n = *counter;
	pthread_mutex_unlock(&gate.lock);
	return n;
}

/* Wait (bounded) until (n) accesses have reached the gate. */
static bool gate_reached(unsigned n)
{
	for (int ms = 0; ms < 5000; ms++) {
		if (gate_count(&gate.entered) >= n)
			return true;
		usleep(1000);
	}
	return false;
}

static ssize_t gated_preadv(int fd, const struct iovec *iov, int n, off_t off)
{
	ssize_t r;

	gate_pass();
	r = preadv(fd, iov, n, off);
	gate_passed();
	return r;
}

static ssize_t gated_pwritev(int fd, const struct iovec *iov, int n, off_t off)
{
	ssize_t r;

	gate_pass();
	r = pwritev(fd, iov, n, off);
	gate_passed();
	return r;
}

static int gated_fdatasync(int fd)
{
	int r;

	gate_pass();
	r = fdatasync(fd);
	gate_passed();
	return r;
}

static const struct virtio_blk_io gated_io = { gated_preadv, gated_pwritev, gated_fdatasync };

static void start_gated(void)
{
	start();
	gate_close();
	blk.io = &gated_io;
}

/* Request (i) of a batch: a 512-byte read of (sector), with its own
 * header, data and status areas. */
static uint16_t offer_read(unsigned i, uint64_t sector)
{
	struct virtio_blk_outhdr h = { .type = VIRTIO_BLK_T_IN, .sector = sector };
	struct vd_buf b[3] = {
		{ HDR + 0x20 * i, 16, false },
		{ DATA + 0x1000 * i, 512, true },
		{ STATUS + i, 1, true },
	};

	CHECK_EQ(mem_write(&d.mem, HDR + 0x20 * i, &h, sizeof(h)), 0);
	memset(mem_ptr(&d.mem, DATA + 0x1000 * i, 512), 0xcc, 512);
	*(uint8_t *)mem_ptr(&d.mem, STATUS + i, 1) = 0xee;
	return vd_offer(&d, 0, b, 3);
}

static uint8_t byte_at(uint64_t gpa)
{
	return *(uint8_t *)mem_ptr(&d.mem, gpa, 1);
}

/* While a request waits for the disk, the guest's register accesses and
 * the event loop (console, timers, other devices) go on. */
static void test_slow_request_leaves_transport_and_loop_free(void)
{
	start_gated();
	offer_read(0, 3);
	vd_notify(&d, 0);
	vd_poll(&d);
	CHECK(gate_reached(1));
	CHECK(vd_read(&d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_DRIVER_OK);
	vd_write(&d, VIRTIO_MMIO_INTERRUPT_ACK, 0);
	CHECK_EQ(evloop_run_once(&d.loop, 0), 0);
	CHECK_EQ(vd_used_idx(&d, 0), 0); /* still in flight */
	CHECK(!gate.timed_out);		 /* and nobody had to wait for it */
	gate_let(GATE_OPEN);
	CHECK(vd_wait_used(&d, 0, 1, 5000));
	CHECK_EQ(byte_at(STATUS), VIRTIO_BLK_S_OK);
	CHECK_EQ(byte_at(DATA), 3);
	CHECK_EQ(d.irq_raises, 1);
	stop();
}

/* Requests complete in the order they were made available, each with
 * its interrupt raised after its used-ring entry is visible. */
static void test_requests_complete_in_order_interrupt_after_used_entry(void)
{
	uint16_t head[3];

	start_gated();
	for (unsigned i = 0; i < 3; i++)
		head[i] = offer_read(i, 10 + i);
	vd_notify(&d, 0);
	vd_poll(&d);
	for (uint16_t i = 0; i < 3; i++) {
		struct vring_used_elem e;

		CHECK(gate_reached(i + 1u));
		CHECK_EQ(vd_used_idx(&d, 0), i); /* nothing completes before its I/O */
		gate_let(1);
		CHECK(vd_wait_used(&d, 0, (uint16_t)(i + 1), 5000));
		e = vd_used_elem(&d, 0, i);
		CHECK_EQ(e.id, head[i]);
		CHECK_EQ(e.len, 513);
		CHECK_EQ(byte_at(STATUS + i), VIRTIO_BLK_S_OK);
		CHECK_EQ(byte_at(DATA + 0x1000 * i), 10 + i);
		CHECK_EQ(d.irq_raises, i + 1);
		CHECK_EQ(d.irq_used_idx, i + 1);
		vd_write(&d, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	}
	CHECK(!gate.timed_out);
	CHECK_EQ(blk.reads, 3);
	stop();
}

static void *open_gate_later(void *arg)
{
	(void)arg;
	usleep(100 * 1000);
	gate_let(GATE_OPEN);
	return NULL;
}

/* The driver resets the device (or stops the queue) while a read is in
 * flight: the write returns only once the read is over, and the request
 * is dropped: no status byte, no used entry, no interrupt, then or later. */
static void in_flight_request_dropped_by(uint64_t reg)
{
	pthread_t opener;

	start_gated();
	offer_read(0, 5);
	vd_notify(&d, 0);
	vd_poll(&d);
	CHECK(gate_reached(1));
	CHECK_EQ(pthread_create(&opener, NULL, open_gate_later, NULL), 0);
	vd_write(&d, VIRTIO_MMIO_QUEUE_SEL, 0);
	vd_write(&d, reg, 0);
	CHECK_EQ(gate_count(&gate.left), 1); /* it waited for the read */
	pthread_join(opener, NULL);
	CHECK(!gate.timed_out);
	for (int look = 0; look < 2; look++) {
		CHECK_EQ(vd_used_idx(&d, 0), 0);
		CHECK_EQ(byte_at(STATUS), 0xee);
		CHECK_EQ(d.irq_raises, 0);
		CHECK(!(vd_read(&d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET));
		usleep(50 * 1000); /* nothing arrives late either */
		vd_poll(&d);
	}
	/* The driver starts over: the device serves it. */
	blk.io = &virtio_blk_host_io;
	vd_forget_rings(&d);
	vd_negotiate(&d, 1ULL << VIRTIO_F_VERSION_1);
	vd_queue(&d, 0);
	vd_driver_ok(&d);
	CHECK_EQ(request(VIRTIO_BLK_T_IN, 6, 512), 513);
	CHECK_EQ(byte_at(DATA), 6);
	stop();
}

static void test_reset_waits_for_request_in_flight_and_drops_it(void)
{
	in_flight_request_dropped_by(VIRTIO_MMIO_STATUS);
}

static void test_queue_stop_waits_for_request_in_flight_and_drops_it(void)
{
	in_flight_request_dropped_by(VIRTIO_MMIO_QUEUE_READY);
}

static void test_open_errors_name_the_problem(void)
{
	const char *why = NULL;

	CHECK(virtio_blk_open(&blk, "/nonexistent/disk.img", "d", false, NULL, &why) < 0);
	CHECK(why && strstr(why, "open"));
	CHECK(virtio_blk_open(&blk, "/tmp", "d", true, NULL, &why) < 0);
	virtio_blk_close(&blk);
	CHECK(virtio_blk_open(&blk, "/dev/null", "d", false, "bogus", &why) < 0);
	CHECK(why && strstr(why, "cache"));
}

int main(void)
{
	RUN(test_config_reports_capacity_and_block_size);
	RUN(test_read_returns_image_sectors);
	RUN(test_write_then_read_back);
	RUN(test_header_and_data_in_one_buffer);
	RUN(test_beyond_capacity_is_ioerr);
	RUN(test_partial_sector_is_ioerr);
	RUN(test_flush_and_get_id);
	RUN(test_unknown_request_is_unsupp);
	RUN(test_read_only_drive_refuses_writes);
	RUN(test_request_without_status_byte_resets_device);
	RUN(test_short_header_is_ioerr);
	RUN(test_slow_request_leaves_transport_and_loop_free);
	RUN(test_requests_complete_in_order_interrupt_after_used_entry);
	RUN(test_reset_waits_for_request_in_flight_and_drops_it);
	RUN(test_queue_stop_waits_for_request_in_flight_and_drops_it);
	RUN(test_open_errors_name_the_problem);
	return check_summary("virtio_blk");
}
