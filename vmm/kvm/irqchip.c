/* irqchip.c: GSI fan-out, KVM MSI routes and the ExtINT path (see irqchip.h). */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm/irqchip.h"
#include "core/log.h"

#define IRQ0_OVERRIDE_PIN 2

/* ---- IOAPIC sink: KVM MSI routes, pushed lazily before a delivery ---- */

static int vm_set_routes(void *ctx, const struct kvm_irq_routing_entry *route, unsigned n)
{
	struct vm *vm = ctx;
	/* A union: an array after the flexible one is a GNU extension. */
	union {
		struct kvm_irq_routing hdr;
		uint8_t bytes[sizeof(struct kvm_irq_routing) +
			      IRQCHIP_NGSI * sizeof(struct kvm_irq_routing_entry)];
	} table = { .hdr.nr = n };

	if (n > IRQCHIP_NGSI)
		return -EINVAL;
	memcpy(table.hdr.entries, route, n * sizeof(*route));
	return ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, &table) ? -errno : 0;
}

/* An MSI route fires on level 1; there is nothing to lower. */
static int vm_fire_route(void *ctx, unsigned gsi)
{
	struct vm *vm = ctx;
	struct kvm_irq_level irq = { .irq = gsi, .level = 1 };

	return ioctl(vm->vm_fd, KVM_IRQ_LINE, &irq) ? -errno : 0;
}

static void push_routes(struct irqchip *c)
{
	int err = c->kvm.set_routes(c->kvm.ctx, c->route, IRQCHIP_NGSI);

	if (err)
		log_warn("KVM_SET_GSI_ROUTING failed: %s", strerror(-err));
	c->routes_dirty = false;
}

static void ioapic_route(void *ctx, unsigned pin, struct ioapic_msi msi)
{
	struct irqchip *c = ctx;

	pthread_mutex_lock(&c->route_lock);
	c->route[pin] = (struct kvm_irq_routing_entry){
		.gsi = pin,
		.type = KVM_IRQ_ROUTING_MSI,
		.u.msi = { .address_lo = (uint32_t)msi.address,
			   .address_hi = (uint32_t)(msi.address >> 32), .data = msi.data },
	};
	c->routes_dirty = true;
	pthread_mutex_unlock(&c->route_lock);
}

static void ioapic_deliver(void *ctx, unsigned pin, struct ioapic_msi msi)
{
	struct irqchip *c = ctx;
	int err;

	(void)msi; /* KVM has it: ioapic_route() put it in pin's route */
	pthread_mutex_lock(&c->route_lock);
	if (c->routes_dirty)
		push_routes(c);
	pthread_mutex_unlock(&c->route_lock);
	err = c->kvm.fire_route(c->kvm.ctx, pin);
	if (err)
		log_warn("KVM_IRQ_LINE %u failed: %s", pin, strerror(-err));
}

/* ---- PIC output: the boot CPU's ExtINT ---- */

static void pic_output_changed(void *ctx, int level)
{
	struct irqchip *c = ctx;

	__atomic_store_n(&c->extint, level, __ATOMIC_SEQ_CST);
	if (level && c->kick_bsp)
		c->kick_bsp(c->kick_ctx);
}

bool irqchip_extint_pending(void *ctx)
{
	struct irqchip *c = ctx;

	return c->has_pic && __atomic_load_n(&c->extint, __ATOMIC_SEQ_CST);
}

int irqchip_extint_ack(void *ctx)
{
	struct irqchip *c = ctx;

	return c->has_pic ? pic_read_irq(&c->pic) : -1;
}

void irqchip_eoi(void *ctx, unsigned vector)
{
	struct irqchip *c = ctx;

	if (c->mode == IRQCHIP_SPLIT)
		ioapic_eoi(&c->ioapic, vector);
}

void irqchip_set_kick(struct irqchip *c, void (*kick)(void *ctx), void *ctx)
{
	c->kick_bsp = kick;
	c->kick_ctx = ctx;
}

/* ---- GSIs ---- */

/* The IOAPIC pin of (gsi): GSI 0 is wired to pin 2 (the IRQ0 override). */
static unsigned ioapic_pin_of(unsigned gsi)
{
	return gsi == 0 ? IRQ0_OVERRIDE_PIN : gsi;
}

static void split_set_gsi(void *ctx, unsigned gsi, int level)
{
	struct irqchip *c = ctx;

	if (gsi < 16 && c->has_pic)
		pic_set_irq(&c->pic, gsi, level);
	ioapic_set_irq(&c->ioapic, ioapic_pin_of(gsi), level);
}

struct irq_line irqchip_line(struct irqchip *c, unsigned gsi)
{
	if (c->mode == IRQCHIP_ON)
		return (struct irq_line){ vm_irq_line, c->vm, gsi };
	return (struct irq_line){ split_set_gsi, c, gsi };
}

static int enable_split(struct vm *vm)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_SPLIT_IRQCHIP, .args = { IRQCHIP_NGSI } };

	return ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap) ? -errno : 0;
}

/* The userspace controllers of split mode, wired to each other and (kvm). */
static void init_split(struct irqchip *c, bool pic, struct irqchip_kvm kvm)
{
	c->kvm = kvm;
	pthread_mutex_init(&c->route_lock, NULL);
	ioapic_init(&c->ioapic, (struct ioapic_sink){ ioapic_route, ioapic_deliver, c });
	c->has_pic = pic;
	if (pic)
		pic_init(&c->pic, (struct pic_output){ pic_output_changed, c });
}

void irqchip_init_split(struct irqchip *c, bool pic, struct irqchip_kvm kvm)
{
	memset(c, 0, sizeof(*c));
	c->mode = IRQCHIP_SPLIT;
	init_split(c, pic, kvm);
}

int irqchip_create(struct irqchip *c, struct vm *vm, enum irqchip_mode mode, bool pic,
		   bool kernel_pit)
{
	int err;

	memset(c, 0, sizeof(*c));
	c->mode = mode;
	c->vm = vm;
	if (mode == IRQCHIP_ON)
		return vm_create_kernel_irqchip(vm, kernel_pit);
	err = enable_split(vm);
	if (err)
		return err;
	init_split(c, pic, (struct irqchip_kvm){ vm_set_routes, vm_fire_route, vm });
	return 0;
}

int irqchip_register(struct irqchip *c, struct bus *pio, struct bus *mmio)
{
	if (c->mode == IRQCHIP_ON)
		return 0;
	if (bus_register(mmio, IOAPIC_BASE, IOAPIC_SIZE, &ioapic_ops, &c->ioapic))
		return -EEXIST;
	if (!c->has_pic)
		return 0;
	if (bus_register(pio, PIC_MASTER_BASE, PIC_NREGS, &pic_ops, &c->pic.chip[0]) ||
	    bus_register(pio, PIC_SLAVE_BASE, PIC_NREGS, &pic_ops, &c->pic.chip[1]) ||
	    bus_register(pio, PIC_ELCR_BASE, 2, &pic_elcr_ops, &c->pic))
		return -EEXIST;
	return 0;
}

void irqchip_reset(struct irqchip *c)
{
	if (c->mode == IRQCHIP_ON)
		return; /* KVM's controllers are reset with the vCPUs' LAPIC state */
	ioapic_reset(&c->ioapic);
	if (c->has_pic)
		pic_reset(&c->pic);
	__atomic_store_n(&c->extint, 0, __ATOMIC_SEQ_CST);
}
