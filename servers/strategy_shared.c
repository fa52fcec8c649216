/* shared: one listening socket; every worker accepts on it. With blocking accept()
 * the kernel wakes one waiter per connection, FIFO; with epoll every worker's
 * poller is woken and all but one find nothing (the thundering herd). The core
 * opens, stops and closes the listener (listener.c). */
#include "server.h"

const struct strategy strategy_shared = {
    .v = {.name = "shared", .summary = "one listening socket, every worker accepts on it",
          .compared = 1},
    .source = SRV_SOURCE_SHARED_LISTENER,
};
