/* machine_state.S: 64-bit: what the machine hands a guest, as it reads it:
 * the boot CPU's LAPIC LVT0 at reset, IA32_MCG_CAP, and virtio-mmio slot
 * 0's magic read after a call chain 16 levels deep (the stack must stay
 * clear of the page tables that map the MMIO hole). */
	.include "common.S"

main16:
	jmp to_long_mode

	.code64
main64:
	lea lvt0 + LOW_BASE, %rsi
	call puts64
	mov $LAPIC, %rbx
	mov 0x350(%rbx), %eax
	call puthex32
	lea mcg + LOW_BASE, %rsi
	call puts64
	mov $0x179, %ecx		/* IA32_MCG_CAP */
	rdmsr
	call puthex32
	mov $16, %ecx
	call deep
	lea magic + LOW_BASE, %rsi
	call puts64
	mov $VIRTIO0, %rbx
	mov (%rbx), %eax
	call puthex32
	lea nl + LOW_BASE, %rsi
	jmp finish64

/* %ecx levels of calls, each with a small frame. */
deep:
	test %ecx, %ecx
	jz 1f
	dec %ecx
	push %rbp
	push %rbx
	call deep
	pop %rbx
	pop %rbp
1:	ret

/* Print %eax as 8 hex digits on COM1. */
puthex32:
	mov %eax, %esi
	mov $8, %edi
1:	rol $4, %esi
	mov %esi, %eax
	and $0xf, %eax
	movzbl hexdigits + LOW_BASE(%rax), %eax
	call putc64
	dec %edi
	jnz 1b
	ret

hexdigits: .ascii "0123456789abcdef"
lvt0:	.asciz "lvt0 "
mcg:	.asciz " mcg_cap "
magic:	.asciz " virtio magic "
nl:	.asciz "\n"
