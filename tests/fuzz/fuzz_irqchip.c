/* fuzz_irqchip.c: the split irqchip's routing layer (irqchip.c with the
 * real IOAPIC and i8259 models, on real buses) over a recording KVM: GSIs
 * raised and lowered, IOAPIC redirection entries and PIC ICW/OCW/ELCR
 * programmed through the buses, ExtINT acknowledges as the boot vCPU makes
 * them, EOIs from the local APIC side, resets; with and without the PIC.
 *
 * Checked besides memory safety:
 * - every route KVM fires is a pin's, loaded before it was fired, and says
 *   what that pin's redirection entry says now (no stale MSI route), for an
 *   unmasked, non-ExtINT entry;
 * - a routing table pushed to KVM has one MSI entry per pin, in pin order;
 * - a GSI's level reaches the IOAPIC pin it is wired to (GSI 0 on pin 2)
 *   and, for GSI 0-15 except the cascade, the PIC input of that number;
 * - ExtINT is pending exactly when the PIC's output is high, never without
 *   a PIC, and the boot vCPU is kicked whenever it goes high. */
#include "fuzz.h"
#include "kvm/irqchip.h"
#include "core/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fake_kvm {
	struct kvm_irq_routing_entry table[IRQCHIP_NGSI];
	bool loaded;
	struct irqchip *chip;
};

struct board {
	struct irqchip chip;
	struct fake_kvm kvm;
	struct bus pio, mmio;
	unsigned kicks;
};

static int fake_set_routes(void *ctx, const struct kvm_irq_routing_entry *route, unsigned n)
{
	struct fake_kvm *k = ctx;

	if (n != IRQCHIP_NGSI)
		__builtin_trap();
	for (unsigned i = 0; i < n; i++)
		if (route[i].gsi != i || route[i].type != KVM_IRQ_ROUTING_MSI)
			__builtin_trap();
	memcpy(k->table, route, sizeof(k->table));
	k->loaded = true;
	return 0;
}

/* Called from the IOAPIC's delivery, with its lock held: its entries are
 * read directly, as nothing else runs. */
static int fake_fire_route(void *ctx, unsigned gsi)
{
	struct fake_kvm *k = ctx;
	const struct kvm_irq_routing_entry *e;
	struct ioapic_msi now;
	uint64_t rte;

	if (gsi >= IRQCHIP_NGSI || !k->loaded)
		__builtin_trap();
	rte = k->chip->ioapic.rte[gsi];
	now = ioapic_rte_to_msi(rte);
	e = &k->table[gsi];
	if (e->u.msi.address_lo != (uint32_t)now.address ||
	    e->u.msi.address_hi != (uint32_t)(now.address >> 32) || e->u.msi.data != now.data)
		__builtin_trap();
	if ((rte & (1ULL << 16)) || ((rte >> 8) & 7) == 7) /* masked, ExtINT */
		__builtin_trap();
	return 0;
}

static void kick(void *ctx)
{
	((struct board *)ctx)->kicks++;
}

static void build(struct board *b, bool pic)
{
	irqchip_init_split(&b->chip, pic,
			   (struct irqchip_kvm){ fake_set_routes, fake_fire_route, &b->kvm });
	b->kvm.chip = &b->chip;
	irqchip_set_kick(&b->chip, kick, b);
	bus_init(&b->pio, "pio");
	bus_init(&b->mmio, "mmio");
	if (irqchip_register(&b->chip, &b->pio, &b->mmio))
		__builtin_trap();
}

static bool pic_input(struct irqchip *c, unsigned irq)
{
	return c->pic.chip[irq >> 3].input & (1u << (irq & 7));
}

static void set_gsi(struct board *b, unsigned gsi, int level)
{
	struct irq_line line = irqchip_line(&b->chip, gsi);
	unsigned pin = gsi == 0 ? 2 : gsi;

	irq_set(&line, level);
	if (pin < IOAPIC_NPINS && !!(b->chip.ioapic.input & (1u << pin)) != level)
		__builtin_trap();
	if (b->chip.has_pic && gsi < 16 && gsi != 2 && pic_input(&b->chip, gsi) != level)
		__builtin_trap();
}

/* One bus access of the input's size, offset and value in [base, base + span). */
static void bus_access(struct fuzz_in *in, struct bus *bus, uint64_t base, uint64_t span)
{
	uint8_t op = (uint8_t)fuzz_take(in, 1);
	unsigned size = 1u << ((op >> 1) & 3);
	uint64_t addr = base + fuzz_take(in, 2) % span;

	if (op & 1)
		bus_write(bus, addr, size, fuzz_take(in, size));
	else
		(void)bus_read(bus, addr, size);
}

/* IOREGSEL then IOWIN: half of pin's redirection entry in one go. */
static void write_rte(struct fuzz_in *in, struct board *b)
{
	uint8_t which = (uint8_t)fuzz_take(in, 1);
	uint32_t reg = 0x10 + 2 * (which % IOAPIC_NPINS) + (which >> 7);

	bus_write(&b->mmio, IOAPIC_BASE, 4, reg);
	bus_write(&b->mmio, IOAPIC_BASE + 0x10, 4, fuzz_take(in, 4));
}

/* Both chips through the usual ICW1-4 and a mask, at the input's vector base. */
static void program_pics(struct fuzz_in *in, struct board *b)
{
	uint8_t base = (uint8_t)fuzz_take(in, 1);
	uint16_t mask = (uint16_t)fuzz_take(in, 2);
	static const struct { uint16_t port; uint8_t icw3; } chip[2] = { { 0x20, 4 }, { 0xa0, 2 } };

	for (unsigned i = 0; i < 2; i++) {
		bus_write(&b->pio, chip[i].port, 1, 0x11);
		bus_write(&b->pio, chip[i].port + 1, 1, (uint8_t)(base + 8 * i));
		bus_write(&b->pio, chip[i].port + 1, 1, chip[i].icw3);
		bus_write(&b->pio, chip[i].port + 1, 1, 0x01);
		bus_write(&b->pio, chip[i].port + 1, 1, (uint8_t)(mask >> (8 * i)));
	}
}

static void pic_port_access(struct fuzz_in *in, struct board *b)
{
	static const uint16_t ports[] = { 0x20, 0xa0, 0x4d0 };
	uint8_t which = (uint8_t)fuzz_take(in, 1);

	bus_access(in, &b->pio, ports[which % 3], 2);
}

static void check_extint(struct board *b, bool was_pending, unsigned kicks_before)
{
	bool pending = irqchip_extint_pending(&b->chip);

	if (!b->chip.has_pic && pending)
		__builtin_trap();
	if (b->chip.has_pic && pending != !!pic_output(&b->chip.pic))
		__builtin_trap();
	if (pending && !was_pending && b->kicks == kicks_before)
		__builtin_trap();
}

static void step(struct fuzz_in *in, struct board *b)
{
	uint8_t c = (uint8_t)fuzz_take(in, 1);
	bool was_pending = irqchip_extint_pending(&b->chip);
	unsigned kicks_before = b->kicks;

	if (c < 0x40)
		set_gsi(b, c & 0x1f, (c >> 5) & 1);
	else if (c < 0x60)
		bus_access(in, &b->mmio, IOAPIC_BASE, IOAPIC_SIZE);
	else if (c < 0x80)
		write_rte(in, b);
	else if (c < 0xb0)
		pic_port_access(in, b);
	else if (c < 0xc0)
		program_pics(in, b);
	else if (c < 0xe0 && was_pending)
		(void)irqchip_extint_ack(&b->chip);
	else if (c >= 0xe0 && c < 0xf8)
		irqchip_eoi(&b->chip, (unsigned)fuzz_take(in, 1));
	else if (c >= 0xf8)
		irqchip_reset(&b->chip);
	check_extint(b, was_pending, kicks_before);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct board boards[2];
	static bool ready;
	struct fuzz_in in = { data, size };
	struct board *b;

	if (!ready) {
		log_level_max = LOG_ERR;
		build(&boards[0], false);
		build(&boards[1], true);
		ready = true;
	}
	b = &boards[fuzz_take(&in, 1) & 1];
	for (unsigned gsi = 0; gsi < IRQCHIP_NGSI; gsi++)
		set_gsi(b, gsi, 0);
	irqchip_reset(&b->chip);
	b->kvm.loaded = false; /* the reset rewrote every route: all are pushed again */
	while (in.n)
		step(&in, b);
	return 0;
}
