/*
 * test_sandbox.c: the seccomp allowlists, each case in a forked child so a
 * denied call (SIGSYS: message, exit 1) ends only that child.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "check.h"
#include "host/sandbox.h"

static int hook_fd = -1;

static void denied_hook(void)
{
	if (write(hook_fd, "h", 1) < 0) {
		/* the parent sees the missing byte */
	}
}

/* Run (body) in a child under the process filter (and the vCPU filter when
 * (vcpu)); returns the child's exit status (1: a call was denied), with
 * the sandbox's message in (msg) and whether the denied hook ran. */
static void (*prepare)(void); /* run in the child before the filter */

static int in_sandbox(void (*body)(void), int vcpu, char *msg, size_t len, int *hooked)
{
	int err[2], hook[2], status = -1;
	ssize_t n;
	pid_t pid;
	char c;

	if (pipe(err) || pipe(hook))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(err[1], STDERR_FILENO);
		hook_fd = hook[1];
		sandbox_set_denied_hook(denied_hook);
		if (prepare)
			prepare();
		if (sandbox_enter_process() || (vcpu && sandbox_enter_vcpu()))
			_exit(3);
		body();
		_exit(0); /* no atexit work: the sanitizers' would be denied */
	}
	close(err[1]);
	close(hook[1]);
	waitpid(pid, &status, 0);
	n = read(err[0], msg, len - 1);
	msg[n > 0 ? n : 0] = 0;
	*hooked = read(hook[0], &c, 1) == 1;
	close(err[0]);
	close(hook[0]);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int expect_denied(void (*body)(void), int vcpu, const char *nr)
{
	char msg[256], want[64];
	int hooked, st = in_sandbox(body, vcpu, msg, sizeof(msg), &hooked);

	snprintf(want, sizeof(want), "system call %s is not allowed", nr);
	if (st != 1 || !strstr(msg, want) || !hooked) {
		fprintf(stderr, "  want '%s', got exit %d, hook %d: %s\n", want, st, hooked, msg);
		return 0;
	}
	return 1;
}

static int expect_allowed(void (*body)(void), int vcpu)
{
	char msg[256];
	int hooked, st = in_sandbox(body, vcpu, msg, sizeof(msg), &hooked);

	if (st != 0)
		fprintf(stderr, "  exit %d: %s\n", st, msg);
	return st == 0 && !hooked;
}

static void do_openat(void)
{
	open("/dev/null", O_RDONLY);
}

static void do_rename(void)
{
	rename("/nonexistent-a", "/nonexistent-b");
}

static void do_unlink(void)
{
	unlink("/nonexistent-a");
}

static void do_tiocsti(void)
{
	char c = 'x';

	ioctl(STDIN_FILENO, TIOCSTI, &c);
}

/* An admitted request with a high word set is another request. */
static void do_ioctl_high_bits(void)
{
	syscall(SYS_ioctl, -1, (unsigned long)KVM_RUN | (1UL << 32), 0);
}

static void do_allowed_work(void)
{
	struct termios t;

	/* Requests on the list, on fds where they fail: admitted all the same. */
	ioctl(-1, KVM_RUN, 0);
	ioctl(-1, TUNSETVNETHDRSZ, &(int){ 12 }); /* virtio-net starting, on a vCPU */
	tcgetattr(-1, &t);
	if (write(STDERR_FILENO, "", 0) < 0 || close(-1) == 0)
		_exit(2);
	prctl(PR_SET_NAME, "CPU 0/KVM");
}

static void do_prctl_other(void)
{
	prctl(PR_SET_DUMPABLE, 1);
}

static pthread_t early;
static int go[2];

static void *waits_then_opens(void *arg)
{
	char c;

	(void)arg;
	if (read(go[0], &c, 1) == 1)
		do_openat();
	return NULL;
}

static void start_early_thread(void)
{
	if (pipe(go) || pthread_create(&early, NULL, waits_then_opens, NULL))
		_exit(2);
}

/* A thread started before the filter is filtered too (TSYNC). */
static void do_openat_in_earlier_thread(void)
{
	if (write(go[1], "g", 1) != 1)
		_exit(2);
	pthread_join(early, NULL);
}

/* The main thread's event loop call: not a vCPU thread's. */
static void do_epoll_wait_in_vcpu(void)
{
	syscall(SYS_epoll_wait, -1, NULL, 0, 0);
}

static void do_vcpu_work(void)
{
	ioctl(-1, KVM_RUN, 0);
	if (write(STDERR_FILENO, "", 0) < 0)
		_exit(2);
}

static void test_paths_are_denied_once_running(void)
{
	CHECK(expect_denied(do_openat, 0, "257"));
	CHECK(expect_denied(do_rename, 0, "082"));
	CHECK(expect_denied(do_unlink, 0, "087"));
}

static void test_ioctl_is_admitted_by_request(void)
{
	CHECK(expect_denied(do_tiocsti, 0, "016"));
	CHECK(expect_denied(do_ioctl_high_bits, 0, "016"));
	CHECK(expect_allowed(do_allowed_work, 0));
}

static void test_prctl_only_names_a_thread(void)
{
	CHECK(expect_denied(do_prctl_other, 0, "157"));
}

static void test_filter_covers_threads_started_before_it(void)
{
	prepare = start_early_thread;
	CHECK(expect_denied(do_openat_in_earlier_thread, 0, "257"));
	prepare = NULL;
}

static void test_vcpu_filter_is_narrower(void)
{
	CHECK(expect_denied(do_epoll_wait_in_vcpu, 1, "232"));
	CHECK(expect_allowed(do_vcpu_work, 1));
}

int main(void)
{
	RUN(test_paths_are_denied_once_running);
	RUN(test_ioctl_is_admitted_by_request);
	RUN(test_prctl_only_names_a_thread);
	RUN(test_filter_covers_threads_started_before_it);
	RUN(test_vcpu_filter_is_narrower);
	return check_summary("sandbox");
}
