/*
 * microvm_virtio.c: the board's eight virtio-mmio slots, as QEMU's microvm
 * fills them: slot i at 0xFEB00000 + 512 * i on GSI 5 + i, the first
 * -device in the highest slot, empty slots present with DeviceID 0, and
 * "virtio_mmio.device=" entries for the kernel command line.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/log.h"
#include "board/microvm.h"
#include "probe.h"

static const uint8_t default_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static uint64_t slot_base(unsigned slot)
{
	return VIRTIO_MMIO_BASE + (uint64_t)slot * VIRTIO_MMIO_SLOT_SIZE;
}

/* kernel-irqchip=on: an irqfd pulses the GSI for every interrupt, so KVM's
 * edge-triggered IOAPIC pins see each one; with the split irqchip the line
 * goes through mvm's own IOAPIC, which re-delivers on every assert. */
static void irqfd_set(void *ctx, unsigned gsi, int level)
{
	int *fd = ctx;

	(void)gsi;
	if (level)
		eventfd_write(*fd, 1);
}

static struct irq_line slot_irq(struct microvm *m, unsigned slot)
{
	unsigned gsi = VIRTIO_MMIO_GSI_BASE + slot;
	int *fd = &m->virtio_irqfd[slot];
	struct kvm_irqfd irqfd = { .gsi = gsi };

	if (m->cfg->irqchip == IRQCHIP_SPLIT)
		return irqchip_line(&m->irqchip, gsi);
	*fd = eventfd(0, EFD_CLOEXEC);
	irqfd.fd = (uint32_t)*fd;
	if (*fd < 0 || ioctl(m->vm.vm_fd, KVM_IRQFD, &irqfd)) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		return irqchip_line(&m->irqchip, gsi);
	}
	return (struct irq_line){ irqfd_set, fd, gsi };
}

/* The main thread takes up a queue's notification. */
static void slot_notified(void *ctx, unsigned q)
{
	const struct microvm_slot_watch *w = ctx;

	probe_emit(PROBE_VIRTIO_NOTIFY, w->t->base, ((uint64_t)w->t->be->device_id << 16) | q);
}

/* hvc0 output: its first byte is a probe. */
static void hvc_output(void *ctx, const uint8_t *buf, size_t n)
{
	struct microvm_slot_watch *w = ctx;

	if (!w->hvc_seen && n) {
		w->hvc_seen = true;
		probe_emit(PROBE_HVC_FIRST_BYTE, w->t->base, buf[0]);
	}
}

static const struct drive_cfg *find_drive(const struct vm_config *c, const char *id)
{
	for (unsigned i = 0; i < c->ndrives; i++)
		if (!strcmp(c->drive[i].id, id))
			return &c->drive[i];
	return NULL;
}

static const struct netdev_cfg *find_netdev(const struct vm_config *c, const char *id)
{
	for (unsigned i = 0; i < c->nnetdevs; i++)
		if (!strcmp(c->netdev[i].id, id))
			return &c->netdev[i];
	return NULL;
}

static const struct chardev_opts *find_chardev(const struct vm_config *c, const char *id)
{
	for (unsigned i = 0; id && i < c->nchardevs; i++)
		if (!strcmp(c->chardev[i].id, id))
			return &c->chardev[i];
	return NULL;
}

static int make_blk(struct microvm *m, const struct device_cfg *d, const struct virtio_backend **be,
		    void **dev)
{
	const struct drive_cfg *dr = find_drive(m->cfg, d->drive);
	struct virtio_blk *b = &m->blk[m->nblk];
	const char *why = "";
	int err = virtio_blk_open(b, dr->file, d->serial ? d->serial : dr->id, dr->readonly,
				  dr->cache, &why);

	if (err) {
		log_err("-drive id=%s: %s '%s': %s", dr->id, why, dr->file, strerror(-err));
		return MICROVM_EINPUT;
	}
	m->nblk++;
	*be = dr->readonly ? &virtio_blk_ro_backend : &virtio_blk_backend;
	*dev = b;
	return MICROVM_OK;
}

static int make_net(struct microvm *m, const struct device_cfg *d, const struct virtio_backend **be,
		    void **dev)
{
	const struct netdev_cfg *nd = find_netdev(m->cfg, d->netdev);
	struct virtio_net *n = &m->net[m->nnet];
	uint8_t mac[6];
	const char *why = "";
	int err;

	memcpy(mac, default_mac, 6);
	mac[5] = (uint8_t)(mac[5] + m->nnet); /* QEMU numbers NICs the same way */
	if (d->mac && virtio_net_parse_mac(d->mac, mac)) {
		log_err("-device virtio-net-device: bad mac '%s'", d->mac);
		return MICROVM_EINPUT;
	}
	err = virtio_net_open(n, nd->ifname, mac, &m->loop, &why);
	if (err) {
		log_err("-netdev id=%s: %s: %s", nd->id, why, strerror(-err));
		return MICROVM_EINPUT;
	}
	m->nnet++;
	*be = &virtio_net_backend;
	*dev = n;
	return MICROVM_OK;
}

/* virtio-serial-device is the console device; the virtconsole after it
 * gives it its chardev. */
static int attach_console(struct microvm *m, const struct device_cfg *d)
{
	struct virtio_console *con = &m->con[m->ncon - 1];
	struct chardev *chr = &m->chr[m->ncon - 1];
	const struct chardev_opts *o = find_chardev(m->cfg, d->chardev);
	const char *why = "";
	int err;

	/* No chardev: output is dropped, as QEMU does; one chardev per console. */
	if (!o || con->chr)
		return MICROVM_OK;
	err = chardev_open(chr, o, &m->loop, virtio_console_input, con, &why);
	if (err) {
		log_err("-chardev id=%s: %s '%s': %s", o->id, why, o->path ? o->path : "",
			strerror(-err));
		return MICROVM_EINPUT;
	}
	con->chr = chr;
	return MICROVM_OK;
}

static int make_device(struct microvm *m, const struct device_cfg *d, unsigned slot,
		       const struct virtio_backend **be, void **dev)
{
	switch (d->kind) {
	case DEV_VIRTIO_BLK:
		return make_blk(m, d, be, dev);
	case DEV_VIRTIO_NET:
		return make_net(m, d, be, dev);
	case DEV_VIRTIO_SERIAL:
		virtio_console_init(&m->con[m->ncon],
				    (struct virtio_console_events){ hvc_output, &m->watch[slot] });
		*be = &virtio_console_backend;
		*dev = &m->con[m->ncon++];
		return MICROVM_OK;
	case DEV_VIRTIO_RNG:
		*be = &virtio_rng_backend;
		*dev = &m->rng[m->nrng++];
		return MICROVM_OK;
	default:
		return MICROVM_EVMM;
	}
}

static int add_slot(struct microvm *m, unsigned slot, const struct virtio_backend *be, void *dev)
{
	struct virtio_mmio *t = &m->virtio[slot];
	struct virtio_mmio_env env = {
		.mem = &m->mem, .irq = slot_irq(m, slot), .base = slot_base(slot),
		.legacy = m->cfg->virtio_legacy,
		.events = { slot_notified, &m->watch[slot] },
	};

	m->watch[slot].t = t;
	virtio_mmio_init(t, be, dev, &env);
	if (bus_register(&m->mmio, slot_base(slot), VIRTIO_MMIO_SLOT_SIZE, &virtio_mmio_ops, t) ||
	    virtio_mmio_attach(t, &m->loop, m->vm.vm_fd)) {
		log_err("cannot set up virtio-mmio slot %u: %s", slot, strerror(errno));
		return MICROVM_EVMM;
	}
	return MICROVM_OK;
}

int microvm_setup_virtio(struct microvm *m)
{
	unsigned next = VIRTIO_MMIO_SLOTS; /* the first device takes the last slot */
	int r = MICROVM_OK;

	for (unsigned slot = 0; slot < VIRTIO_MMIO_SLOTS; slot++)
		m->virtio_irqfd[slot] = -1;
	for (unsigned i = 0; i < m->cfg->ndevices && !r; i++) {
		const struct device_cfg *d = &m->cfg->device[i];
		const struct virtio_backend *be;
		void *dev;

		if (d->kind == DEV_VIRTCONSOLE) {
			r = attach_console(m, d);
			continue;
		}
		r = make_device(m, d, next - 1, &be, &dev);
		if (!r)
			r = add_slot(m, --next, be, dev);
	}
	for (unsigned slot = 0; slot < next && !r; slot++)
		r = add_slot(m, slot, NULL, NULL);
	m->virtio_first_used = next;
	return r;
}

/* " virtio_mmio.device=512@0x<base>:<irq>" per used slot, highest first. */
int microvm_virtio_cmdline(const struct microvm *m, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	for (unsigned slot = VIRTIO_MMIO_SLOTS; slot-- > m->virtio_first_used;) {
		int n = snprintf(buf + off, len - off, " virtio_mmio.device=512@0x%llx:%u",
				 (unsigned long long)slot_base(slot), VIRTIO_MMIO_GSI_BASE + slot);

		if (n < 0 || (size_t)n >= len - off)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

void microvm_virtio_fdt(const struct microvm *m, struct microvm_fdt *d)
{
	d->nvirtio = 0;
	for (unsigned slot = VIRTIO_MMIO_SLOTS; slot-- > m->virtio_first_used;) {
		d->virtio_base[d->nvirtio] = slot_base(slot);
		d->virtio_gsi[d->nvirtio++] = VIRTIO_MMIO_GSI_BASE + slot;
	}
}

void microvm_virtio_reset(struct microvm *m)
{
	for (unsigned slot = 0; slot < VIRTIO_MMIO_SLOTS; slot++)
		virtio_mmio_reset(&m->virtio[slot]);
}

void microvm_virtio_close(struct microvm *m)
{
	for (unsigned i = 0; i < m->nblk; i++)
		virtio_blk_close(&m->blk[i]);
	for (unsigned i = 0; i < m->nnet; i++)
		virtio_net_close(&m->net[i]);
	for (unsigned i = 0; i < m->ncon; i++)
		if (m->con[i].chr)
			chardev_close(m->con[i].chr);
	for (unsigned slot = 0; slot < VIRTIO_MMIO_SLOTS; slot++)
		if (m->virtio_irqfd[slot] >= 0)
			close(m->virtio_irqfd[slot]);
}
