/* The axis tables. A new strategy, io backend or protocol is one file and one
 * line here. */
#include "conn.h"
#include "server.h"

extern const struct strategy strategy_pool, strategy_shared, strategy_reuseport,
    strategy_reuseport_cpu;
extern const struct io_backend io_blocking, io_epoll, io_epoll_exclusive;
#ifdef ACCEPTBENCH_HAVE_URING
extern const struct io_backend io_uring;
#endif
extern const struct model model_thread, model_process;

const struct strategy *const srv_strategies[] = {
    &strategy_pool,
    &strategy_shared,
    &strategy_reuseport,
    &strategy_reuseport_cpu,
    NULL,
};

const struct io_backend *const srv_io_backends[] = {
    &io_blocking,
    &io_epoll,
    &io_epoll_exclusive,
#ifdef ACCEPTBENCH_HAVE_URING
    &io_uring,                   /* built only with liburing (CMake finds it) */
#endif
    NULL,
};

const struct model *const srv_models[] = {
    &model_thread,
    &model_process,
    NULL,
};

const struct proto *const srv_protocols[] = {
    &proto_http,
    &proto_echo,
    &proto_greeter,
    NULL,
};
