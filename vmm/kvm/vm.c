/* vm.c: KVM VM creation, memory slots, in-kernel irqchip. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/log.h"
#include "kvm/vm.h"

int vm_open(struct vm *vm, const char **why)
{
	vm->vm_fd = -1;
	vm->kvm_pvm = access("/sys/module/kvm_pvm", F_OK) == 0;
	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		*why = "cannot open /dev/kvm";
		return -errno;
	}
	if (ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		*why = "unsupported KVM API version";
		return -ENOTSUP;
	}
	vm->run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->run_size <= 0 || vm->vm_fd < 0) {
		*why = "KVM_CREATE_VM failed";
		return -errno;
	}
	/* Both must precede vCPU creation; same addresses as QEMU under KVM. */
	if (ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &(uint64_t){ VM_KVM_IDENTITY_MAP }) ||
	    ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)VM_KVM_TSS)) {
		*why = "cannot place KVM's TSS and identity map";
		return -errno;
	}
	return 0;
}

int vm_map_memory(struct vm *vm, const struct guest_mem *mem)
{
	for (unsigned i = 0; i < mem->nregions; i++) {
		struct kvm_userspace_memory_region slot = {
			.slot = i,
			.guest_phys_addr = mem->region[i].gpa,
			.memory_size = mem->region[i].size,
			.userspace_addr = (uint64_t)(uintptr_t)mem->region[i].host,
		};

		if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot))
			return -errno;
	}
	return 0;
}

/*
 * KVM's default routing puts GSI 0 on IOAPIC pin 0; the PC wiring (and the
 * MP table) has the IRQ0 override: GSI 0 on pin 2, nothing on GSI 2.
 */
static int set_pc_routing(struct vm *vm)
{
	/* A union, not a struct ending in an array after the flexible one:
	 * that is a GNU extension clang (the fuzz targets) refuses. */
	union {
		struct kvm_irq_routing hdr;
		uint8_t bytes[sizeof(struct kvm_irq_routing) +
			      (16 + 23) * sizeof(struct kvm_irq_routing_entry)];
	} r = { 0 };
	struct kvm_irq_routing_entry *e = r.hdr.entries;
	unsigned n = 0;

	for (unsigned gsi = 0; gsi < 16; gsi++) {
		e[n++] = (struct kvm_irq_routing_entry){
			.gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip = { gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE, gsi % 8 },
		};
	}
	for (unsigned gsi = 0; gsi < 24; gsi++) {
		if (gsi == 2)
			continue;
		e[n++] = (struct kvm_irq_routing_entry){
			.gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip = { KVM_IRQCHIP_IOAPIC, gsi == 0 ? 2 : gsi },
		};
	}
	r.hdr.nr = n;
	return ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, &r) ? -errno : 0;
}

int vm_create_kernel_irqchip(struct vm *vm, bool pit)
{
	/* Port 0x61 stays unassigned: microvm has no PC speaker. */
	struct kvm_pit_config pit_config = { .flags = KVM_PIT_SPEAKER_DUMMY };

	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) || set_pc_routing(vm))
		return -errno;
	if (pit && ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit_config))
		return -errno;
	vm->kernel_irqchip = true;
	vm->kernel_pit = pit;
	for (unsigned i = 0; i < 3; i++) {
		vm->chip_reset[i].chip_id = i;
		if (ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &vm->chip_reset[i]))
			return -errno;
	}
	if (pit && ioctl(vm->vm_fd, KVM_GET_PIT2, &vm->pit_reset))
		return -errno;
	return 0;
}

int vm_reset_kernel_irqchip(struct vm *vm)
{
	for (unsigned i = 0; vm->kernel_irqchip && i < 3; i++)
		if (ioctl(vm->vm_fd, KVM_SET_IRQCHIP, &vm->chip_reset[i]))
			return -errno;
	if (vm->kernel_pit && ioctl(vm->vm_fd, KVM_SET_PIT2, &vm->pit_reset))
		return -errno;
	return 0;
}

void vm_irq_line(void *ctx, unsigned gsi, int level)
{
	struct vm *vm = ctx;
	struct kvm_irq_level irq = { .irq = gsi, .level = (uint32_t)level };

	if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &irq))
		log_warn("KVM_IRQ_LINE %u failed: errno %d", gsi, errno);
}

void vm_close(struct vm *vm)
{
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	vm->vm_fd = vm->kvm_fd = -1;
}
