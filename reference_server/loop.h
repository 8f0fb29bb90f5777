/* loop.h: the reference server's event loop (one thread, epoll).
 *
 * Watchers and timers are embedded in their owner's struct; the loop
 * never allocates them and never frees them. A watcher deleted while
 * the loop is dispatching a batch of events gets no further events from
 * that batch, so an owner may free itself from inside its callback once
 * it has deleted its watchers and stopped its timers.
 */
#ifndef MAILSPEC_LOOP_H
#define MAILSPEC_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOOP_READ	0x1	/* fd readable (or hung up / in error) */
#define LOOP_WRITE	0x2	/* fd writable (or hung up / in error) */

struct loop;

typedef void loop_fd_fn(void *arg, unsigned events);
typedef void loop_timer_fn(void *arg);
typedef void loop_signal_fn(void *arg, int signo);

struct loop_fd {
	int fd;
	unsigned events;	/* LOOP_READ | LOOP_WRITE currently asked for */
	bool is_added;
	loop_fd_fn *fn;
	void *arg;
};

struct loop_timer {
	uint64_t when_ms;	/* loop_now_ms() deadline */
	size_t heap_index;	/* SIZE_MAX when not running */
	loop_timer_fn *fn;
	void *arg;
};

/* A new loop, or NULL (errno set). */
struct loop *loop_new(void);
/* Free the loop (watchers must be deleted first); clears *lp. NULL-safe. */
void loop_free(struct loop **lp);
/* Run until loop_stop(); 0 on a clean stop, -1 on an epoll failure. */
int loop_run(struct loop *l);
/* One iteration: wait for events at most max_wait_ms (-1: until the next
 * timer or event; 0: poll), dispatch them, fire the timers that are due.
 * The number of fd events and timers handled (0: nothing was ready), or
 * -1 on an epoll failure. With no fd watched and max_wait_ms 0 there is
 * no system call. For in-process drivers (fuzz/session_driver.c):
 * daemons use loop_run(). */
int loop_run_once(struct loop *l, int max_wait_ms);
/* Move the loop's clock ms forward, so that timers fire without waiting
 * (in-process drivers: idle timeouts in any state). */
void loop_skew_ms(struct loop *l, uint64_t ms);
/* Make loop_run() return after the current callback. */
void loop_stop(struct loop *l);
/* Monotonic milliseconds, refreshed once per loop iteration. */
uint64_t loop_now_ms(const struct loop *l);

/* Watch fd for events (LOOP_READ|LOOP_WRITE, may be 0); 0 or -1 (errno). */
int loop_fd_add(struct loop *l, struct loop_fd *w, int fd, unsigned events,
    loop_fd_fn *fn, void *arg);
/* Change the events asked for; a no-op when unchanged. 0 or -1. */
int loop_fd_set(struct loop *l, struct loop_fd *w, unsigned events);
/* Stop watching (does not close the fd). Safe on a watcher never added. */
void loop_fd_del(struct loop *l, struct loop_fd *w);

/* Prepare a timer; it does not run until loop_timer_start(). */
void loop_timer_init(struct loop_timer *t, loop_timer_fn *fn, void *arg);
/* (Re)start t to fire once, ms milliseconds from now (0: next iteration). */
int loop_timer_start(struct loop *l, struct loop_timer *t, uint64_t ms);
/* Stop t if it runs. */
void loop_timer_stop(struct loop *l, struct loop_timer *t);
bool loop_timer_is_running(const struct loop_timer *t);

/* Block sigs and deliver them through a signalfd to fn; 0 or -1. */
int loop_signal_watch(struct loop *l, const int *sigs, size_t n,
    loop_signal_fn *fn, void *arg);

#endif
