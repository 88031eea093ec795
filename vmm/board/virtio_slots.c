/* virtio_slots.c: the board's virtio-mmio slots (see virtio_slots.h). */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "board/microvm.h"
#include "board/virtio_slots.h"
#include "boot/fdt.h"
#include "cli/config.h"
#include "core/bus.h"
#include "core/log.h"
#include "kvm/irqchip.h"
#include "probe.h"

static const uint8_t default_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static uint64_t slot_base(unsigned slot)
{
	return VIRTIO_MMIO_BASE + (uint64_t)slot * VIRTIO_MMIO_SLOT_SIZE;
}

static unsigned slot_gsi(unsigned slot)
{
	return VIRTIO_MMIO_GSI_BASE + slot;
}

/* ---- the slots' guest activity, as probes ---- */

/* The main thread takes up a queue's notification. */
static void slot_notified(void *ctx, unsigned q)
{
	const struct virtio_slot *s = ctx;

	probe_emit(PROBE_VIRTIO_NOTIFY, s->t.base, ((uint64_t)s->t.be->device_id << 16) | q);
}

/* hvc0 output: its first byte is a probe. */
static void hvc_output(void *ctx, const uint8_t *buf, size_t n)
{
	struct virtio_slot *s = ctx;

	if (!s->hvc_seen && n) {
		s->hvc_seen = true;
		probe_emit(PROBE_HVC_FIRST_BYTE, s->t.base, buf[0]);
	}
}

/* ---- interrupts ---- */

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

static struct irq_line slot_irq(struct virtio_slot *s, unsigned slot,
				const struct virtio_slots_env *env)
{
	unsigned gsi = slot_gsi(slot);
	struct kvm_irqfd irqfd = { .gsi = gsi };

	if (env->split_irqchip)
		return irqchip_line(env->irqchip, gsi);
	s->irqfd = eventfd(0, EFD_CLOEXEC);
	irqfd.fd = (uint32_t)s->irqfd;
	if (s->irqfd < 0 || ioctl(env->vm_fd, KVM_IRQFD, &irqfd)) {
		if (s->irqfd >= 0)
			close(s->irqfd);
		s->irqfd = -1;
		return irqchip_line(env->irqchip, gsi);
	}
	return (struct irq_line){ irqfd_set, &s->irqfd, gsi };
}

/* ---- the devices behind the transports ---- */

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

static int make_blk(struct virtio_slots *s, const struct virtio_slots_env *env,
		    const struct device_cfg *d, const struct virtio_backend **be, void **dev)
{
	const struct drive_cfg *dr = find_drive(env->cfg, d->drive);
	struct virtio_blk *b = &s->blk[s->nblk];
	const char *why = "";
	int err = virtio_blk_open(b, dr->file, d->serial ? d->serial : dr->id, dr->readonly,
				  dr->cache, &why);

	if (err) {
		log_err("-drive id=%s: %s '%s': %s", dr->id, why, dr->file, strerror(-err));
		return MICROVM_EINPUT;
	}
	s->nblk++;
	*be = dr->readonly ? &virtio_blk_ro_backend : &virtio_blk_backend;
	*dev = b;
	return MICROVM_OK;
}

static int make_net(struct virtio_slots *s, const struct virtio_slots_env *env,
		    const struct device_cfg *d, const struct virtio_backend **be, void **dev)
{
	const struct netdev_cfg *nd = find_netdev(env->cfg, d->netdev);
	struct virtio_net *n = &s->net[s->nnet];
	uint8_t mac[6];
	const char *why = "";
	int err;

	memcpy(mac, default_mac, 6);
	mac[5] = (uint8_t)(mac[5] + s->nnet); /* QEMU numbers NICs the same way */
	if (d->mac && virtio_net_parse_mac(d->mac, mac)) {
		log_err("-device virtio-net-device: bad mac '%s'", d->mac);
		return MICROVM_EINPUT;
	}
	err = virtio_net_open(n, nd->ifname, mac, env->loop, &why);
	if (err) {
		log_err("-netdev id=%s: %s: %s", nd->id, why, strerror(-err));
		return MICROVM_EINPUT;
	}
	s->nnet++;
	*be = &virtio_net_backend;
	*dev = n;
	return MICROVM_OK;
}

/* virtio-serial-device is the console device; the virtconsole after it
 * gives it its chardev. */
static int attach_console(struct virtio_slots *s, const struct virtio_slots_env *env,
			  const struct device_cfg *d)
{
	struct virtio_console *con = &s->con[s->ncon - 1];
	struct chardev *chr = &s->chr[s->ncon - 1];
	const struct chardev_opts *o = find_chardev(env->cfg, d->chardev);
	const char *why = "";
	int err;

	/* No chardev: output is dropped, as QEMU does; one chardev per console. */
	if (!o || con->chr)
		return MICROVM_OK;
	err = chardev_open(chr, o, env->loop, virtio_console_input, con, &why);
	if (err) {
		log_err("-chardev id=%s: %s '%s': %s", o->id, why, o->path ? o->path : "",
			strerror(-err));
		return MICROVM_EINPUT;
	}
	con->chr = chr;
	return MICROVM_OK;
}

/* The device of (d), for (slot). */
static int make_device(struct virtio_slots *s, const struct virtio_slots_env *env,
		       const struct device_cfg *d, unsigned slot, const struct virtio_backend **be,
		       void **dev)
{
	switch (d->kind) {
	case DEV_VIRTIO_BLK:
		return make_blk(s, env, d, be, dev);
	case DEV_VIRTIO_NET:
		return make_net(s, env, d, be, dev);
	case DEV_VIRTIO_SERIAL:
		virtio_console_init(&s->con[s->ncon],
				    (struct virtio_console_events){ hvc_output, &s->slot[slot] });
		*be = &virtio_console_backend;
		*dev = &s->con[s->ncon++];
		return MICROVM_OK;
	case DEV_VIRTIO_RNG:
		*be = &virtio_rng_backend;
		*dev = &s->rng[s->nrng++];
		return MICROVM_OK;
	default:
		return MICROVM_EVMM;
	}
}

/* ---- the slots ---- */

static int add_slot(struct virtio_slots *s, const struct virtio_slots_env *env, unsigned slot,
		    const struct virtio_backend *be, void *dev)
{
	struct virtio_slot *vs = &s->slot[slot];
	struct virtio_mmio_env t_env = {
		.mem = env->mem, .base = slot_base(slot), .legacy = env->cfg->virtio_legacy,
		.events = { slot_notified, vs },
	};

	/* Registered first: the bus's lock for the range is the transport's. */
	if (bus_register(env->mmio, slot_base(slot), VIRTIO_MMIO_SLOT_SIZE, &virtio_mmio_ops, &vs->t))
		goto fail;
	t_env.irq = slot_irq(vs, slot, env);
	t_env.lock = bus_device(env->mmio, &vs->t);
	virtio_mmio_init(&vs->t, be, dev, &t_env);
	if (virtio_mmio_attach(&vs->t, env->loop, env->vm_fd))
		goto fail;
	return MICROVM_OK;
fail:
	log_err("cannot set up virtio-mmio slot %u: %s", slot, strerror(errno));
	return MICROVM_EVMM;
}

void virtio_slots_init(struct virtio_slots *s)
{
	memset(s, 0, sizeof(*s));
	for (unsigned slot = 0; slot < VIRTIO_MMIO_SLOTS; slot++)
		s->slot[slot].irqfd = -1;
	s->first_used = VIRTIO_MMIO_SLOTS;
}

int virtio_slots_create(struct virtio_slots *s, const struct virtio_slots_env *env)
{
	unsigned next = VIRTIO_MMIO_SLOTS; /* the first device takes the last slot */
	int r = MICROVM_OK;

	for (unsigned i = 0; i < env->cfg->ndevices && !r; i++) {
		const struct device_cfg *d = &env->cfg->device[i];
		const struct virtio_backend *be;
		void *dev;

		if (d->kind == DEV_VIRTCONSOLE) {
			r = attach_console(s, env, d);
			continue;
		}
		r = make_device(s, env, d, next - 1, &be, &dev);
		if (!r)
			r = add_slot(s, env, --next, be, dev);
	}
	for (unsigned slot = 0; slot < next && !r; slot++)
		r = add_slot(s, env, slot, NULL, NULL);
	s->first_used = next;
	return r;
}

int virtio_slots_cmdline(const struct virtio_slots *s, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	for (unsigned slot = VIRTIO_MMIO_SLOTS; slot-- > s->first_used;) {
		int n = snprintf(buf + off, len - off, " virtio_mmio.device=512@0x%llx:%u",
				 (unsigned long long)slot_base(slot), slot_gsi(slot));

		if (n < 0 || (size_t)n >= len - off)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

void virtio_slots_fdt(const struct virtio_slots *s, struct microvm_fdt *d)
{
	d->nvirtio = 0;
	for (unsigned slot = VIRTIO_MMIO_SLOTS; slot-- > s->first_used;) {
		d->virtio_base[d->nvirtio] = slot_base(slot);
		d->virtio_gsi[d->nvirtio++] = slot_gsi(slot);
	}
}

size_t virtio_slots_output_pending(struct virtio_slots *s, uint64_t *written)
{
	size_t pending = 0;

	*written = 0;
	for (unsigned i = 0; i < s->ncon; i++) {
		if (s->con[i].chr) {
			pending += chardev_output_pending(s->con[i].chr);
			*written += chardev_output_written(s->con[i].chr);
		}
	}
	return pending;
}

void virtio_slots_reset(struct virtio_slots *s)
{
	for (unsigned slot = 0; slot < VIRTIO_MMIO_SLOTS; slot++)
		virtio_mmio_reset(&s->slot[slot].t);
}

void virtio_slots_destroy(struct virtio_slots *s)
{
	for (unsigned i = 0; i < s->nblk; i++)
		virtio_blk_close(&s->blk[i]);
	for (unsigned i = 0; i < s->nnet; i++)
		virtio_net_close(&s->net[i]);
	for (unsigned i = 0; i < s->ncon; i++)
		if (s->con[i].chr)
			chardev_close(s->con[i].chr);
	for (unsigned slot = 0; slot < VIRTIO_MMIO_SLOTS; slot++)
		if (s->slot[slot].irqfd >= 0)
			close(s->slot[slot].irqfd);
}
