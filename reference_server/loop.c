/* loop.c: one-thread event loop on epoll (level-triggered), a binary heap
 * of timers and a signalfd for SIGTERM/SIGINT. No RFC: this is the
 * machinery under every session of the reference server.
 */
#include "loop.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#define LOOP_BATCH	64

struct loop {
	int epfd;
	size_t nfds;		/* watchers added */
	bool is_stopping;
	uint64_t now_ms;
	uint64_t skew_ms;	/* loop_skew_ms(): added to the clock */
	/* the batch being dispatched, so a deleted watcher loses its events */
	struct epoll_event evs[LOOP_BATCH];
	int nev;
	int cur;
	/* timers: a min-heap on when_ms */
	struct loop_timer **heap;
	size_t nheap;
	size_t heap_cap;
	/* signals */
	struct loop_fd sigw;
	loop_signal_fn *sig_fn;
	void *sig_arg;
};

static uint64_t
loop_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct loop *
loop_new(void)
{
	struct loop *l;

	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd == -1) {
		free(l);
		return NULL;
	}
	l->sigw.fd = -1;
	l->now_ms = loop_clock_ms();
	return l;
}

void
loop_free(struct loop **lp)
{
	struct loop *l = *lp;

	if (l == NULL)
		return;
	if (l->sigw.is_added) {
		loop_fd_del(l, &l->sigw);
		close(l->sigw.fd);
	}
	close(l->epfd);
	free(l->heap);
	free(l);
	*lp = NULL;
}

uint64_t
loop_now_ms(const struct loop *l)
{
	return l->now_ms;
}

void
loop_stop(struct loop *l)
{
	l->is_stopping = true;
}

/* ---- fd watchers ---- */

static uint32_t
loop_epoll_events(unsigned events)
{
	uint32_t e = 0;

	if (events & LOOP_READ)
		e |= EPOLLIN;
	if (events & LOOP_WRITE)
		e |= EPOLLOUT;
	return e;
}

int
loop_fd_add(struct loop *l, struct loop_fd *w, int fd, unsigned events,
    loop_fd_fn *fn, void *arg)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = loop_epoll_events(events);
	ev.data.ptr = w;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) == -1)
		return -1;
	w->fd = fd;
	w->events = events;
	w->fn = fn;
	w->arg = arg;
	w->is_added = true;
	l->nfds++;
	return 0;
}

int
loop_fd_set(struct loop *l, struct loop_fd *w, unsigned events)
{
	struct epoll_event ev;

	if (!w->is_added || w->events == events)
		return 0;
	memset(&ev, 0, sizeof(ev));
	ev.events = loop_epoll_events(events);
	ev.data.ptr = w;
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, w->fd, &ev) == -1)
		return -1;
	w->events = events;
	return 0;
}

void
loop_fd_del(struct loop *l, struct loop_fd *w)
{
	int i;

	if (!w->is_added)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->is_added = false;
	l->nfds--;
	for (i = l->cur + 1; i < l->nev; i++)
		if (l->evs[i].data.ptr == w)
			l->evs[i].data.ptr = NULL;
}

/* ---- timers: a binary min-heap ---- */

static void
loop_heap_swap(struct loop *l, size_t a, size_t b)
{
	struct loop_timer *t = l->heap[a];

	l->heap[a] = l->heap[b];
	l->heap[b] = t;
	l->heap[a]->heap_index = a;
	l->heap[b]->heap_index = b;
}

static void
loop_heap_up(struct loop *l, size_t i)
{
	while (i > 0 && l->heap[(i - 1) / 2]->when_ms > l->heap[i]->when_ms) {
		loop_heap_swap(l, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void
loop_heap_down(struct loop *l, size_t i)
{
	size_t c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= l->nheap)
			return;
		if (c + 1 < l->nheap && l->heap[c + 1]->when_ms < l->heap[c]->when_ms)
			c++;
		if (l->heap[i]->when_ms <= l->heap[c]->when_ms)
			return;
		loop_heap_swap(l, i, c);
		i = c;
	}
}

void
loop_timer_init(struct loop_timer *t, loop_timer_fn *fn, void *arg)
{
	t->when_ms = 0;
	t->heap_index = SIZE_MAX;
	t->fn = fn;
	t->arg = arg;
}

bool
loop_timer_is_running(const struct loop_timer *t)
{
	return t->heap_index != SIZE_MAX;
}

void
loop_timer_stop(struct loop *l, struct loop_timer *t)
{
	size_t i = t->heap_index;

	if (i == SIZE_MAX)
		return;
	t->heap_index = SIZE_MAX;
	l->nheap--;
	if (i == l->nheap)
		return;
	l->heap[i] = l->heap[l->nheap];
	l->heap[i]->heap_index = i;
	loop_heap_down(l, i);
	loop_heap_up(l, i);
}

int
loop_timer_start(struct loop *l, struct loop_timer *t, uint64_t ms)
{
	struct loop_timer **h;
	size_t cap;

	loop_timer_stop(l, t);
	if (l->nheap == l->heap_cap) {
		cap = l->heap_cap == 0 ? 64 : l->heap_cap * 2;
		h = realloc(l->heap, cap * sizeof(*h));
		if (h == NULL)
			return -1;
		l->heap = h;
		l->heap_cap = cap;
	}
	t->when_ms = l->now_ms + ms;
	t->heap_index = l->nheap;
	l->heap[l->nheap++] = t;
	loop_heap_up(l, t->heap_index);
	return 0;
}

/* Fire every timer that is due; a callback may start or stop timers.
 * Returns how many fired. */
static int
loop_run_timers(struct loop *l)
{
	struct loop_timer *t;
	size_t guard = l->nheap;
	int fired = 0;

	/* timers started at 0 ms from a callback wait for the next round */
	while (l->nheap > 0 && guard-- > 0) {
		t = l->heap[0];
		if (t->when_ms > l->now_ms)
			break;
		loop_timer_stop(l, t);
		t->fn(t->arg);
		fired++;
		if (l->is_stopping)
			break;
	}
	return fired;
}

static int
loop_wait_ms(const struct loop *l)
{
	uint64_t d;

	if (l->nheap == 0)
		return -1;
	if (l->heap[0]->when_ms <= l->now_ms)
		return 0;
	d = l->heap[0]->when_ms - l->now_ms;
	return d > 60000 ? 60000 : (int)d;
}

/* ---- signals ---- */

static void
loop_on_signal(void *arg, unsigned events)
{
	struct loop *l = arg;
	struct signalfd_siginfo si;

	(void)events;
	while (read(l->sigw.fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		l->sig_fn(l->sig_arg, (int)si.ssi_signo);
}

int
loop_signal_watch(struct loop *l, const int *sigs, size_t n,
    loop_signal_fn *fn, void *arg)
{
	sigset_t set;
	size_t i;
	int fd;

	sigemptyset(&set);
	for (i = 0; i < n; i++)
		sigaddset(&set, sigs[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		return -1;
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd == -1)
		return -1;
	l->sig_fn = fn;
	l->sig_arg = arg;
	if (loop_fd_add(l, &l->sigw, fd, LOOP_READ, loop_on_signal, l) == -1) {
		close(fd);
		return -1;
	}
	return 0;
}

/* ---- the loop ---- */

static void
loop_dispatch(struct loop *l)
{
	struct loop_fd *w;
	unsigned ev;
	uint32_t e;

	for (l->cur = 0; l->cur < l->nev && !l->is_stopping; l->cur++) {
		w = l->evs[l->cur].data.ptr;
		if (w == NULL)
			continue;
		e = l->evs[l->cur].events;
		ev = 0;
		if (e & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP))
			ev |= LOOP_READ;
		if (e & (EPOLLOUT | EPOLLHUP | EPOLLERR))
			ev |= LOOP_WRITE;
		w->fn(w->arg, ev);
	}
	l->nev = 0;
	l->cur = 0;
}

void
loop_skew_ms(struct loop *l, uint64_t ms)
{
	l->skew_ms += ms;
	l->now_ms += ms;
}

int
loop_run_once(struct loop *l, int max_wait_ms)
{
	int n, wait = loop_wait_ms(l), fired = 0;

	l->is_stopping = false;	/* a loop_stop() ended the previous call */
	if (max_wait_ms >= 0 && (wait < 0 || wait > max_wait_ms))
		wait = max_wait_ms;
	/* Nothing to poll: no system call (in-process drivers whose
	 * connections are on io transports, fuzz/session_driver.c) */
	if (l->nfds == 0 && wait == 0)
		n = 0;
	else
		n = epoll_wait(l->epfd, l->evs, LOOP_BATCH, wait);
	if (n == -1 && errno != EINTR)
		return -1;
	l->now_ms = loop_clock_ms() + l->skew_ms;
	l->nev = n > 0 ? n : 0;
	loop_dispatch(l);
	if (!l->is_stopping)
		fired = loop_run_timers(l);
	return (n > 0 ? n : 0) + fired;
}

int
loop_run(struct loop *l)
{
	l->is_stopping = false;
	while (!l->is_stopping)
		if (loop_run_once(l, -1) == -1)
			return -1;
	return 0;
}
