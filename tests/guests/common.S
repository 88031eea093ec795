/*
 * common.S: start-up and helpers shared by the tiny guest payloads.
 *
 * The image is a 64 KiB firmware (-bios): the vCPU starts at F000:FFF0,
 * which jumps to _start in real mode; _start jumps to the payload's main16.
 * to_long_mode enters 64-bit mode (identity map of 4 GiB with 2 MiB pages,
 * tables at 0x1000-0x6fff) and jumps to the payload's main64.  The IDT is
 * at 0x8000; the stack grows down from STACK_TOP, clear of both.  Code beyond
 * real mode runs from the image's alias at 0xf0000.  A payload ends with a
 * triple fault, which mvm -no-reboot turns into exit status 0.
 *
 * Shared set-up: serial output (puts, putc, finish: print then triple
 * fault), the i8254's rate, interrupts through the IOAPIC and the LAPIC
 * counted in TICKS (irq_route64, count_ticks64, pit_ticks64), and a
 * virtio-mmio device's legacy bring-up (virtio_device_is64,
 * virtio_queue_up64).
 */
	.set COM1, 0x3f8
	.set LSR_THRE, 0x20
	.set LOW_BASE, 0xf0000
	.set MARKER_LINUX, 0xf4
	.set MARKER_FW, 0xf5
	.set STACK_TOP, 0x10000		/* down to 0x9000: above the tables and the IDT */
	.set TICKS, 0x500		/* the interrupt payloads' count, in RAM */
	.weak main64			/* payloads that stay in real mode have none */

/* The body of putc16 and putc64: print %al on COM1 once LSR says the
 * transmitter is empty, keeping %dx and %ax (named (dx) and (ax) in the
 * mode it is assembled for). */
.macro putc_body dx, ax
	push \dx
	push \ax
	mov $COM1 + 5, %dx
1:	in %dx, %al
	test $LSR_THRE, %al
	jz 1b
	pop \ax
	mov $COM1, %dx
	out %al, %dx
	pop \dx
	ret
.endm

/* A puts: print the NUL-terminated string (load) takes %al from, byte by
 * byte, with (putc); (self) is the routine's own name. */
.macro puts_body self, putc, load:vararg
	\load
	test %al, %al
	jz 1f
	call \putc
	jmp \self
1:	ret
.endm

/* The i8254's counter 0 in mode 2 (rate generator) with count %dx; the
 * same bytes in real and long mode. */
.macro pit_rate_dx
	mov $0x34, %al			/* counter 0, LSB then MSB, mode 2 */
	out %al, $0x43
	mov %dl, %al
	out %al, $0x40
	mov %dh, %al
	out %al, $0x40
.endm

	.section .reset, "ax"
	.code16
reset_vector:
	jmp _start
	.fill 16 - (. - reset_vector), 1, 0xf4

	.text
	.code16
	.globl _start
_start:
	cli
	xor %ax, %ax
	mov %ax, %ss
	mov $STACK_TOP - 2, %sp		/* SS = 0: the top word of 64 KiB */
	jmp main16

/* Print the NUL-terminated string at %cs:%si on COM1, polling LSR. */
puts16:
	puts_body puts16, putc16, cs lodsb

/* Print %al on COM1. */
putc16:
	putc_body %dx, %ax

/* Print the NUL-terminated string at %ds:%si (RAM, unlike puts16). */
puts_ds16:
	puts_body puts_ds16, putc16, lodsb

/* Print the string at %cs:%si, then end the guest with a triple fault. */
finish16:
	call puts16
	jmp triple16

/* Let the i8259's INTR reach the boot CPU, as a PC BIOS sets it up: the
 * LAPIC software-enabled and LVT0 in ExtINT mode (reset leaves LVT0
 * masked, as on QEMU's microvm).  Real mode reaches the LAPIC through its
 * x2APIC MSRs. */
lint0_extint16:
	mov $0x1b, %ecx			/* IA32_APIC_BASE: enable, x2APIC mode */
	rdmsr
	or $0xc00, %eax
	wrmsr
	mov $0x80f, %ecx		/* spurious vector register: enable */
	mov $0x1ff, %eax
	xor %edx, %edx
	wrmsr
	mov $0x835, %ecx		/* LVT0: ExtINT, not masked */
	mov $0x700, %eax
	wrmsr
	ret

/* Triple fault from real mode: real mode ignores the IVT limit, so switch
 * to protected mode with empty GDT and IDT, then load a selector (#GP). */
triple16:
	lgdtl %cs:empty_idt
	lidtl %cs:empty_idt
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	mov $0x08, %ax
	mov %ax, %ds
	jmp triple16

empty_idt:
	.word 0
	.long 0

gdt:
	.quad 0
	.quad 0x00cf9b000000ffff	/* 0x08: 32-bit code */
	.quad 0x00cf93000000ffff	/* 0x10: data */
	.quad 0x00af9b000000ffff	/* 0x18: 64-bit code */
gdt_desc:
	.word 4 * 8 - 1
	.long LOW_BASE + gdt

to_long_mode:
	lgdtl %cs:gdt_desc
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $0x08, $LOW_BASE + pm32

	.code32
pm32:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $STACK_TOP, %esp
	mov $0x1000, %edi		/* zero PML4, PDPT and 4 PDs */
	xor %eax, %eax
	mov $6 * 1024, %ecx
	rep stosl
	movl $0x2003, 0x1000
	movl $0x3003, 0x2000
	movl $0x4003, 0x2008
	movl $0x5003, 0x2010
	movl $0x6003, 0x2018
	mov $0x3000, %edi		/* 2048 x 2 MiB pages: 0 - 4 GiB */
	mov $0x83, %eax
	xor %edx, %edx
	mov $2048, %ecx
1:	mov %eax, (%edi)
	mov %edx, 4(%edi)
	add $0x200000, %eax
	adc $0, %edx
	add $8, %edi
	loop 1b
	mov %cr4, %eax
	or $0x20, %eax			/* PAE */
	mov %eax, %cr4
	mov $0x1000, %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx		/* EFER.LME */
	rdmsr
	or $0x100, %eax
	wrmsr
	mov %cr0, %eax
	or $0x80000000, %eax		/* PG */
	mov %eax, %cr0
	ljmp $0x18, $LOW_BASE + lm64

	.code64
lm64:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $STACK_TOP, %rsp
	jmp main64

/* Print the NUL-terminated string at %rsi on COM1. */
puts64:
	puts_body puts64, putc64, lodsb

/* Print %al on COM1. */
putc64:
	putc_body %rdx, %rax

/* Print the string at %rsi, then end the guest with a triple fault. */
finish64:
	call puts64
	jmp triple64

	.set IDT, 0x8000
	.set LAPIC, 0xfee00000
	.set IOAPIC, 0xfec00000

/* IDT gate for vector %rdi -> handler %rax (64-bit interrupt gate). */
set_gate:
	shl $4, %rdi
	add $IDT, %rdi
	mov %ax, (%rdi)
	movw $0x18, 2(%rdi)
	movw $0x8e00, 4(%rdi)
	shr $16, %rax
	mov %ax, 6(%rdi)
	shr $16, %rax
	mov %eax, 8(%rdi)
	movl $0, 12(%rdi)
	ret

/* Load the IDT at IDT (vectors 0-0x3f), mask both i8259s (writes to
 * absent ones are ignored) and software-enable the local APIC. */
apic_setup:
	lidt idt_desc + LOW_BASE
	mov $0xff, %al
	out %al, $0x21
	out %al, $0xa1
	mov $LAPIC, %rbx
	movl $0x1ff, 0xf0(%rbx)
	ret

/* Local APIC end of interrupt. */
lapic_eoi:
	push %rbx
	mov $LAPIC, %rbx
	movl $0, 0xb0(%rbx)
	pop %rbx
	ret

/* IOAPIC redirection entry for pin %edi: low dword %eax, destination 0. */
set_rte:
	mov $IOAPIC, %rbx
	lea 0x11(,%rdi,2), %ecx
	mov %ecx, (%rbx)
	movl $0, 0x10(%rbx)
	dec %ecx
	mov %ecx, (%rbx)
	mov %eax, 0x10(%rbx)
	ret

idt_desc:
	.word 0x40 * 16 - 1
	.quad IDT

/* Interrupts from IOAPIC pin %edi, whose redirection entry's low dword is
 * %r8d (vector, trigger mode), to the handler at %rax: its IDT gate, the
 * i8259s masked, the LAPIC enabled, TICKS zeroed. */
irq_route64:
	movl $0, TICKS
	push %rdi
	movzbl %r8b, %edi
	call set_gate
	call apic_setup
	pop %rdi
	mov %r8d, %eax
	jmp set_rte

/* With interrupts on, halt until TICKS reaches %ecx (the handlers keep
 * %ecx and %rsi); then finish64 with the string at %rsi. */
count_ticks64:
	sti
1:	hlt
	cmp %ecx, TICKS
	jb 1b
	cli
	jmp finish64

/* A handler that counts an interrupt in TICKS and ends it at the LAPIC. */
tick_irq64:
	incl TICKS
	call lapic_eoi
	iretq

/* The i8254 at count %dx (mode 2) through IOAPIC pin 2 (IRQ 0's override)
 * on vector 0x30, edge-triggered; then count_ticks64: %ecx interrupts and
 * the string at %rsi. */
pit_ticks64:
	push %rcx
	lea tick_irq64 + LOW_BASE, %rax
	mov $2, %edi
	mov $0x30, %r8d
	call irq_route64
	pop %rcx
	pit_rate_dx
	jmp count_ticks64

/* virtio-mmio, legacy (version 1) register layout: slot 0, the last slot
 * (where the first -device goes), the registers, and where the payloads
 * keep one queue (8 entries: descriptors, avail at +0x80, used at +0x1000)
 * and their buffers. */
	.set VIRTIO0, 0xfeb00000
	.set VIRTIO_LAST, VIRTIO0 + 7 * 0x200
	.set MAGIC, 0x000
	.set DEVICE_ID, 0x008
	.set PAGE_SIZE, 0x028
	.set QUEUE_SEL, 0x030
	.set QUEUE_NUM, 0x038
	.set QUEUE_ALIGN, 0x03c
	.set QUEUE_PFN, 0x040
	.set QUEUE_NOTIFY, 0x050
	.set INT_STATUS, 0x060
	.set INT_ACK, 0x064
	.set STATUS, 0x070
	.set RING, 0x10000
	.set AVAIL, RING + 0x80
	.set USED, RING + 0x1000
	.set BUF, 0x20000

/* ZF set if the virtio-mmio slot at %rbx holds a device of type %eax. */
virtio_device_is64:
	cmpl $0x74726976, MAGIC(%rbx)
	jne 1f
	cmp %eax, DEVICE_ID(%rbx)
1:	ret

/* Reset the device at %rbx and bring it up to DRIVER_OK with queue %edx
 * (8 entries) at RING, its rings zeroed. */
virtio_queue_up64:
	movl $0, STATUS(%rbx)
	mov $RING, %rdi
	xor %eax, %eax
	mov $0x2000 / 4, %ecx
	rep stosl
	movl $1, STATUS(%rbx)		/* ACKNOWLEDGE */
	movl $3, STATUS(%rbx)		/* DRIVER */
	movl $4096, PAGE_SIZE(%rbx)
	mov %edx, QUEUE_SEL(%rbx)
	movl $8, QUEUE_NUM(%rbx)
	movl $4096, QUEUE_ALIGN(%rbx)
	movl $RING / 4096, QUEUE_PFN(%rbx)
	movl $7, STATUS(%rbx)		/* DRIVER_OK */
	ret

/* Triple fault from long mode: an empty IDT, then #UD. */
triple64:
	lidt empty_idt + LOW_BASE
	ud2
	jmp triple64

	.code16
