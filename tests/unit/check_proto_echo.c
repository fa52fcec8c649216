/* Unit tests for clients/proto_echo and proto_greeter: request bytes, the expected
 * echo reply matched byte for byte whatever the split, and the greeter's reply that
 * is only a close. Fed the way conn.c feeds them (unused bytes presented again). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "testproto.h"

static void echo_req(struct proto_req *req, const char *payload)
{
    struct proto_opts o = {.host = "127.0.0.1:1", .path = "/", .payload = payload,
                           .payload_len = strlen(payload)};
    char err[128];
    ck_assert_int_eq(proto_echo.init(req, &o, err, sizeof err), 0);
}

START_TEST(echo_request_and_expect)
{
    struct proto_req req;
    echo_req(&req, "hello, World 42");
    ck_assert_uint_eq(req.mid_len, 15);
    ck_assert_uint_eq(req.last_len, 15);
    ck_assert_int_eq(memcmp(req.mid, "hello, World 42", 15), 0);
    ck_assert_int_eq(memcmp(req.last, "hello, World 42", 15), 0);
    ck_assert_uint_eq(req.expect_len, 15);
    ck_assert_int_eq(memcmp(req.expect, "HELLO, WORLD 42", 15), 0);
    proto_echo.free(&req);
    ck_assert_ptr_null(req.mem);
    ck_assert_int_eq(proto_echo.half_close_after_send, 0);
    ck_assert_int_eq(proto_echo.stats_in_band, 0);
}
END_TEST

START_TEST(echo_match_any_split)
{
    struct proto_req req;
    echo_req(&req, "abcdefghijklmnopqrstuvwxyz");
    const char *want = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    for (size_t step = 1; step <= 26; step++) {
        struct proto_state st;
        ck_assert_int_eq(testproto_feed(&proto_echo, &req, want, 26, step, &st), PROTO_DONE);
        ck_assert_int_eq(st.worker, -1);
        ck_assert_int_eq(st.server_closes, 0);
    }
    proto_echo.free(&req);
}
END_TEST

START_TEST(echo_mismatch_short_extra)
{
    struct proto_req req;
    echo_req(&req, "hello");
    struct proto_state st;
    /* Not upper-cased: the server did not do its job. */
    ck_assert_int_eq(testproto_feed(&proto_echo, &req, "hello", 5, 5, &st), PROTO_ERR_MALFORMED);
    /* One wrong byte at the end, found even when it arrives alone. */
    ck_assert_int_eq(testproto_feed(&proto_echo, &req, "HELLX", 5, 1, &st), PROTO_ERR_MALFORMED);
    ck_assert_int_eq(testproto_feed(&proto_echo, &req, "HELLX", 5, 4, &st), PROTO_ERR_MALFORMED);
    /* Closed before the whole reply. */
    ck_assert_int_eq(testproto_feed(&proto_echo, &req, "HEL", 3, 2, &st), PROTO_ERR_SHORT);
    ck_assert_int_eq(testproto_feed(&proto_echo, &req, "", 0, 1, &st), PROTO_ERR_SHORT);
    /* More than was sent. */
    ck_assert_int_eq(testproto_feed(&proto_echo, &req, "HELLO!", 6, 6, &st), -100);
    /* The state resets between requests. */
    ck_assert_int_eq(testproto_feed(&proto_echo, &req, "HELLO", 5, 2, &st), PROTO_DONE);
    ck_assert_int_eq(testproto_feed(&proto_echo, &req, "HELLO", 5, 3, &st), PROTO_DONE);
    proto_echo.free(&req);
}
END_TEST

START_TEST(echo_needs_payload)
{
    struct proto_req req;
    struct proto_opts o = {.host = "h", .path = "/"};
    char err[128];
    ck_assert_int_eq(proto_echo.init(&req, &o, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "--payload"));
}
END_TEST

START_TEST(greeter_close_is_the_reply)
{
    struct proto_req req;
    struct proto_opts o = {.host = "h", .path = "/", .payload = "Alice", .payload_len = 5};
    char err[128];
    ck_assert_int_eq(proto_greeter.init(&req, &o, err, sizeof err), 0);
    ck_assert_int_eq(memcmp(req.last, "Alice", 5), 0);
    ck_assert_uint_eq(req.last_len, 5);
    ck_assert_ptr_null(req.expect);
    ck_assert_int_eq(proto_greeter.half_close_after_send, 1);
    ck_assert_uint_eq(proto_greeter.max_requests_per_conn, 1);
    struct proto_state st;
    ck_assert_int_eq(testproto_feed(&proto_greeter, &req, "", 0, 1, &st), PROTO_DONE);
    ck_assert_int_eq(testproto_feed(&proto_greeter, &req, "Hello, Alice\n", 13, 13, &st),
                     PROTO_ERR_MALFORMED);
    proto_greeter.free(&req);
}
END_TEST

START_TEST(table_lookup)
{
    ck_assert_ptr_eq(proto_find("echo"), &proto_echo);
    ck_assert_ptr_eq(proto_find("greeter"), &proto_greeter);
    char names[64];
    proto_names(names, sizeof names, 1);
    ck_assert_str_eq(names, "echo, greeter");      /* the protocols that send --payload */
}
END_TEST

static Suite *proto_echo_suite(void)
{
    Suite *s = suite_create("proto_echo");
    TCase *tc = tcase_create("echo");
    tcase_add_test(tc, echo_request_and_expect);
    tcase_add_test(tc, echo_match_any_split);
    tcase_add_test(tc, echo_mismatch_short_extra);
    tcase_add_test(tc, echo_needs_payload);
    suite_add_tcase(s, tc);
    tc = tcase_create("greeter");
    tcase_add_test(tc, greeter_close_is_the_reply);
    tcase_add_test(tc, table_lookup);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(proto_echo_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
