/* test_virtio_blk.c: virtio-blk requests against a temporary raw image,
 * through the real transport and queue walker. */
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <stdlib.h>
#include <string.h>
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
	vd_free(&d);
	virtio_blk_close(&blk);
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
	CHECK_EQ(virtio_mmio_ops.read(&d.t, VIRTIO_MMIO_CONFIG, 1), SECTORS);
	CHECK_EQ(virtio_mmio_ops.read(&d.t, VIRTIO_MMIO_CONFIG + 0x80, 4), 0); /* past the end */
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
	RUN(test_open_errors_name_the_problem);
	return check_summary("virtio_blk");
}
