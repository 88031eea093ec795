/* ioapic.c: 24-pin I/O APIC model for the split irqchip (see ioapic.h). */
#include <string.h>

#include "dev/ioapic.h"

#define IOREGSEL 0x00
#define IOWIN 0x10
#define IOEOI 0x40

#define REG_ID 0x00
#define REG_VER 0x01
#define REG_ARB 0x02
#define REG_RTE0 0x10

#define RTE_VECTOR 0xffULL
#define RTE_DELMOD_SHIFT 8
#define RTE_DELMOD (7ULL << RTE_DELMOD_SHIFT)
#define RTE_DESTMOD (1ULL << 11)
#define RTE_DELIVS (1ULL << 12)
#define RTE_POLARITY (1ULL << 13)
#define RTE_REMOTE_IRR (1ULL << 14)
#define RTE_TRIGGER_LEVEL (1ULL << 15)
#define RTE_MASKED (1ULL << 16)
#define RTE_DEST_SHIFT 56
#define RTE_RO_BITS (RTE_DELIVS | RTE_REMOTE_IRR)

#define DELMOD_EXTINT 7

struct ioapic_msi ioapic_rte_to_msi(uint64_t rte)
{
	uint64_t dest = rte >> RTE_DEST_SHIFT;
	uint32_t delmod = (uint32_t)((rte & RTE_DELMOD) >> RTE_DELMOD_SHIFT);

	return (struct ioapic_msi){
		.address = 0xfee00000ULL | (dest << 12) | (((rte & RTE_DESTMOD) ? 1ULL : 0) << 2),
		.data = (uint32_t)(rte & RTE_VECTOR) | (delmod << 8) |
			((rte & RTE_TRIGGER_LEVEL) ? 1u << 15 : 0),
	};
}

static bool is_level(uint64_t rte)
{
	return rte & RTE_TRIGGER_LEVEL;
}

static void send(struct ioapic *io, unsigned pin)
{
	uint64_t rte = io->rte[pin];

	if ((rte & RTE_MASKED) || ((rte & RTE_DELMOD) >> RTE_DELMOD_SHIFT) == DELMOD_EXTINT)
		return;
	if (is_level(rte)) {
		if (rte & RTE_REMOTE_IRR)
			return;
		io->rte[pin] |= RTE_REMOTE_IRR;
	}
	io->delivered[pin]++;
	io->sink.deliver(io->sink.ctx, pin, ioapic_rte_to_msi(rte));
}

static void write_rte(struct ioapic *io, unsigned pin, bool high, uint32_t value)
{
	uint64_t old = io->rte[pin], rte;

	if (high)
		rte = (old & 0xffffffffULL) | ((uint64_t)value << 32);
	else
		rte = (old & 0xffffffff00000000ULL) | value;
	rte = (rte & ~RTE_RO_BITS) | (old & RTE_RO_BITS);
	/* Remote IRR only has meaning for level-triggered entries. */
	if (!is_level(rte))
		rte &= ~RTE_REMOTE_IRR;
	io->rte[pin] = rte;
	io->sink.route(io->sink.ctx, pin, ioapic_rte_to_msi(rte));
	/* A level input that is high delivers as soon as it is unmasked. */
	if (is_level(rte) && (io->input & (1u << pin)))
		send(io, pin);
}

static uint32_t read_reg(struct ioapic *io)
{
	unsigned reg = io->ioregsel & 0xff;

	if (reg == REG_ID || reg == REG_ARB)
		return (uint32_t)io->id << 24;
	if (reg == REG_VER)
		return ((IOAPIC_NPINS - 1) << 16) | IOAPIC_VERSION;
	if (reg >= REG_RTE0 && reg < REG_RTE0 + 2 * IOAPIC_NPINS) {
		uint64_t rte = io->rte[(reg - REG_RTE0) / 2];

		return (reg & 1) ? (uint32_t)(rte >> 32) : (uint32_t)rte;
	}
	return 0xffffffff;
}

static void write_reg(struct ioapic *io, uint32_t value)
{
	unsigned reg = io->ioregsel & 0xff;

	if (reg == REG_ID)
		io->id = (value >> 24) & 0x0f;
	else if (reg >= REG_RTE0 && reg < REG_RTE0 + 2 * IOAPIC_NPINS)
		write_rte(io, (reg - REG_RTE0) / 2, reg & 1, value);
}

static void eoi_locked(struct ioapic *io, unsigned vector)
{
	for (unsigned pin = 0; pin < IOAPIC_NPINS; pin++) {
		uint64_t rte = io->rte[pin];

		if (!is_level(rte) || (rte & RTE_VECTOR) != vector || !(rte & RTE_REMOTE_IRR))
			continue;
		io->rte[pin] &= ~RTE_REMOTE_IRR;
		if (io->input & (1u << pin))
			send(io, pin);
	}
}

static uint64_t ioapic_read(void *dev, uint64_t offset, unsigned size)
{
	struct ioapic *io = dev;
	uint32_t v = 0xffffffff;

	(void)size;
	pthread_mutex_lock(&io->lock);
	if (offset == IOREGSEL)
		v = io->ioregsel;
	else if (offset == IOWIN)
		v = read_reg(io);
	pthread_mutex_unlock(&io->lock);
	return v;
}

static void ioapic_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct ioapic *io = dev;

	(void)size;
	pthread_mutex_lock(&io->lock);
	if (offset == IOREGSEL)
		io->ioregsel = (uint32_t)value & 0xff;
	else if (offset == IOWIN)
		write_reg(io, (uint32_t)value);
	else if (offset == IOEOI)
		eoi_locked(io, (uint32_t)value & 0xff);
	pthread_mutex_unlock(&io->lock);
}

const struct bus_ops ioapic_ops = {
	.name = "ioapic",
	.sizes = BUS_SIZE_4,
	.read = ioapic_read,
	.write = ioapic_write,
};

void ioapic_set_irq(struct ioapic *io, unsigned pin, int level)
{
	if (pin >= IOAPIC_NPINS)
		return;
	pthread_mutex_lock(&io->lock);
	if (!level) {
		io->input &= ~(1u << pin);
	} else {
		io->input |= 1u << pin;
		send(io, pin);
	}
	pthread_mutex_unlock(&io->lock);
}

void ioapic_eoi(struct ioapic *io, unsigned vector)
{
	pthread_mutex_lock(&io->lock);
	eoi_locked(io, vector & 0xff);
	pthread_mutex_unlock(&io->lock);
}

static void reset_locked(struct ioapic *io)
{
	io->ioregsel = 0;
	io->id = 0;
	io->input = 0;
	for (unsigned pin = 0; pin < IOAPIC_NPINS; pin++) {
		io->rte[pin] = RTE_MASKED;
		io->delivered[pin] = 0;
		io->sink.route(io->sink.ctx, pin, ioapic_rte_to_msi(io->rte[pin]));
	}
}

void ioapic_init(struct ioapic *io, struct ioapic_sink sink)
{
	memset(io, 0, sizeof(*io));
	pthread_mutex_init(&io->lock, NULL);
	io->sink = sink;
	reset_locked(io);
}

void ioapic_reset(struct ioapic *io)
{
	pthread_mutex_lock(&io->lock);
	reset_locked(io);
	pthread_mutex_unlock(&io->lock);
}
