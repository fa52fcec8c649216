#include "connlist.h"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "server.h"

uint64_t connlist_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

static void append(struct connlist *l, struct conn *c)
{
    c->prev = l->tail;
    c->next = NULL;
    *(l->tail ? &l->tail->next : &l->head) = c;
    l->tail = c;
}

void connlist_unlink(struct connlist *l, struct conn *c)
{
    if (!c->prev && l->head != c)
        return;
    *(c->prev ? &c->prev->next : &l->head) = c->next;
    *(c->next ? &c->next->prev : &l->tail) = c->prev;
    c->prev = c->next = NULL;
}

struct conn *connlist_add(struct connlist *l, struct worker *w, int fd, uint64_t now)
{
    struct conn *c = l->spare;
    if (c)
        l->spare = c->next;
    else if (!(c = calloc(1, l->size))) {
        close(fd);
        return NULL;
    }
    conn_reset(c, w, fd);
    append(l, c);
    c->idle_deadline_ms = now + w->srv->cfg.idle_timeout_ms;
    l->live++;
    return c;
}

void connlist_touch(struct connlist *l, struct conn *c, uint64_t now)
{
    c->idle_deadline_ms = now + c->w->srv->cfg.idle_timeout_ms;
    if (l->tail != c) {
        connlist_unlink(l, c);
        append(l, c);
    }
}

void connlist_put(struct connlist *l, struct conn *c)
{
    connlist_unlink(l, c);
    conn_release(c);
    c->next = l->spare;
    l->spare = c;
    l->live--;
}

int connlist_wait_ms(const struct connlist *l, uint64_t now)
{
    if (!l->head)
        return -1;
    return l->head->idle_deadline_ms > now ? (int)(l->head->idle_deadline_ms - now) : 0;
}

void connlist_free(struct connlist *l)
{
    while (l->head)
        connlist_put(l, l->head);
    for (struct conn *c = l->spare, *next; c; c = next) {
        next = c->next;
        conn_free(c);
        free(c);
    }
    l->spare = NULL;
}
