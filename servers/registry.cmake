# The server's registry: every value of its four axes, in the order --help and
# --list show them, and each axis's default. A value NAME is the descriptor
# <prefix>NAME, a dash written as an underscore (strategy_reuseport_cpu), defined
# in a source of servers/CMakeLists.txt; registry.c is generated from these
# lists. The tests, the CI job and run_bench.sh take every value from here or
# from acceptbench-server --list, so a new value needs no other edit. Included by
# the top-level CMakeLists.txt, after the optional libraries are looked for.
set(ACCEPTBENCH_STRATEGY pool shared reuseport reuseport-cpu)
if(ACCEPTBENCH_BPF_FOUND)
  list(APPEND ACCEPTBENCH_STRATEGY reuseport-bpf)
endif()
set(ACCEPTBENCH_STRATEGY_DEFAULT reuseport)
set(ACCEPTBENCH_IO blocking epoll epoll-exclusive)
if(LIBURING_FOUND)
  list(APPEND ACCEPTBENCH_IO uring)
endif()
set(ACCEPTBENCH_IO_DEFAULT epoll)
set(ACCEPTBENCH_MODEL thread process)
set(ACCEPTBENCH_MODEL_DEFAULT thread)
set(ACCEPTBENCH_PROTOCOL http echo greeter)
set(ACCEPTBENCH_PROTOCOL_DEFAULT http)
