/* Unit tests for clients/proto_http: request bytes and incremental reply reading, fed
 * the way the connection state machine feeds it (unused bytes presented again). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "testproto.h"

static const char ok_reply[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n"
    "X-Worker: 3\r\nConnection: close\r\n\r\nHello, world\n";

/* Feed `reply` to proto_http in pieces of `step` bytes (testproto_feed). */
static int feed(const char *reply, size_t len, size_t step, struct proto_state *st)
{
    return testproto_feed(&proto_http, NULL, reply, len, step, st);
}

START_TEST(request_bytes)
{
    struct proto_req req;
    struct proto_opts o = {.host = "127.0.0.1:8080", .path = "/hello"};
    char err[128];
    ck_assert_int_eq(proto_http.init(&req, &o, err, sizeof err), 0);
    ck_assert_uint_eq(req.mid_len, strlen(req.mid));
    ck_assert_str_eq(req.mid, "GET /hello HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n");
    ck_assert_str_eq(req.last,
                     "GET /hello HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nConnection: close\r\n\r\n");
    ck_assert_uint_eq(req.last_len, strlen(req.last));
    proto_http.free(&req);
    ck_assert_ptr_null(req.mem);
}
END_TEST

START_TEST(reply_any_split)
{
    size_t len = strlen(ok_reply);
    for (size_t step = 1; step <= len; step++) {
        struct proto_state st;
        ck_assert_int_eq(feed(ok_reply, len, step, &st), PROTO_DONE);
        ck_assert_int_eq(st.worker, 3);
        ck_assert_int_eq(st.server_closes, 1);
    }
}
END_TEST

START_TEST(reply_errors)
{
    struct proto_state st;
    static const char r404[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\n\r\nnot found\n";
    ck_assert_int_eq(feed(r404, strlen(r404), 7, &st), PROTO_ERR_STATUS);
    static const char junk[] = "SSH-2.0-OpenSSH_9.2\r\n\r\n";
    ck_assert_int_eq(feed(junk, strlen(junk), 100, &st), PROTO_ERR_MALFORMED);
    /* Cut short: the server closed inside the body, and inside the head. */
    ck_assert_int_eq(feed(ok_reply, strlen(ok_reply) - 3, 100, &st), PROTO_ERR_SHORT);
    ck_assert_int_eq(feed(ok_reply, 20, 5, &st), PROTO_ERR_SHORT);
    static const char bad_chunk[] =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello!\r\n0\r\n\r\n";
    ck_assert_int_eq(feed(bad_chunk, strlen(bad_chunk), 100, &st), PROTO_ERR_MALFORMED);
    /* Two replies where one was asked for. */
    char two[512];
    snprintf(two, sizeof two, "%s%s", ok_reply, ok_reply);
    ck_assert_int_eq(feed(two, strlen(two), 4096, &st), -100);
}
END_TEST

START_TEST(reply_without_length_ends_at_eof)
{
    static const char r[] = "HTTP/1.0 200 OK\r\nX-Worker: zz\r\n\r\nbody until close";
    struct proto_state st;
    ck_assert_int_eq(feed(r, strlen(r), 9, &st), PROTO_DONE);
    ck_assert_int_eq(st.worker, -2);            /* unreadable X-Worker: noted, not fatal */
    static const char none[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    ck_assert_int_eq(feed(none, strlen(none), 3, &st), PROTO_DONE);
    ck_assert_int_eq(st.worker, -1);
    ck_assert_int_eq(st.server_closes, 0);
}
END_TEST

/* Servers other than acceptbench's may send a chunked body (nginx proxying, most
 * application servers): it ends at its last chunk, however it was split. */
START_TEST(reply_chunked)
{
    static const char r[] =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Worker: 1\r\n\r\n"
        "7\r\nHello, \r\n6;ext=1\r\nworld\n\r\n0\r\nX-Trailer: 1\r\n\r\n";
    size_t len = strlen(r);
    for (size_t step = 1; step <= len; step++) {
        struct proto_state st;
        ck_assert_int_eq(feed(r, len, step, &st), PROTO_DONE);
        ck_assert_int_eq(st.worker, 1);
        ck_assert_int_eq(st.server_closes, 0);
    }
    struct proto_state st;
    /* Closed before the last chunk, or before the empty line after it. */
    ck_assert_int_eq(feed(r, len - 2, 16, &st), PROTO_ERR_SHORT);
    ck_assert_int_eq(feed(r, len - 20, 16, &st), PROTO_ERR_SHORT);
    /* A second reply after the body is not this one's. */
    char two[512];
    snprintf(two, sizeof two, "%s%s", r, ok_reply);
    ck_assert_int_eq(feed(two, strlen(two), 4096, &st), -100);
}
END_TEST

START_TEST(table_lookup)
{
    ck_assert_ptr_eq(proto_find("http"), &proto_http);
    ck_assert_ptr_null(proto_find("gopher"));
    char names[64];
    proto_names(names, sizeof names, 0);
    ck_assert_str_eq(names, "http, echo, greeter");
    proto_names(names, 11, 0);                     /* cut short: whole names only */
    ck_assert_str_eq(names, "http, echo");
    proto_names(names, 10, 0);
    ck_assert_str_eq(names, "http");
}
END_TEST

static Suite *proto_http_suite(void)
{
    Suite *s = suite_create("proto_http");
    TCase *tc = tcase_create("request");
    tcase_add_test(tc, request_bytes);
    tcase_add_test(tc, table_lookup);
    suite_add_tcase(s, tc);
    tc = tcase_create("reply");
    tcase_add_test(tc, reply_any_split);
    tcase_add_test(tc, reply_errors);
    tcase_add_test(tc, reply_without_length_ends_at_eof);
    tcase_add_test(tc, reply_chunked);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(proto_http_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
