/*
 * microvm.h: the board, QEMU's microvm machine, as the rest of mvm sees
 * it: built from a configuration, run until the guest or a signal ends
 * it, destroyed.  What it is made of is the board's own (board/board.h).
 */
#ifndef MVM_MICROVM_H
#define MVM_MICROVM_H

#include <stdbool.h>

struct vm_config;
struct microvm_board;

/* Exit statuses, as QEMU's: 0 guest shutdown, 1 VMM failure, 2 bad input. */
enum { MICROVM_OK = 0, MICROVM_EVMM = 1, MICROVM_EINPUT = 2 };

/* The caller's handle on one machine. */
struct microvm {
	struct microvm_board *board;
};

/* Build the machine for (cfg), which must outlive it: returns MICROVM_OK,
 * or EINPUT / EVMM after logging one line saying what was wrong;
 * microvm_destroy() follows either way. */
int microvm_create(struct microvm *m, const struct vm_config *cfg);

/* The guest's ISA serial port is the terminal mvm was started on. */
bool microvm_serial_on_stdio(const struct microvm *m);

/* Run until the guest shuts down (-no-reboot), a signal, or an error;
 * returns the process exit status. */
int microvm_run(struct microvm *m);

void microvm_destroy(struct microvm *m);

#endif
