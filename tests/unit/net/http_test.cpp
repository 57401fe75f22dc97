#include "net/http.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace heeler::net {
namespace {

Request make_request(std::string method, std::string path) {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.target = r.path;
  return r;
}

std::optional<std::string> find_header(const Response& r, std::string_view name) {
  for (const Header& h : r.headers) {
    if (h.name == name) return h.value;
  }
  return std::nullopt;
}

TEST(RequestTest, HeaderLookupIgnoresCaseAndReturnsFirstMatch) {
  Request r;
  r.headers = {{"Content-Type", "application/json"}, {"X-Thing", "one"}, {"x-thing", "two"}};
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.header("CONTENT-TYPE"), "application/json");
  EXPECT_EQ(r.header("x-THING"), "one");
  EXPECT_FALSE(r.header("X-Missing").has_value());
  EXPECT_FALSE(r.header("Content-Typ").has_value());
}

TEST(RequestTest, QueryParamIsExactAndFirst) {
  Request r;
  r.query = {{"a", "1"}, {"b", ""}, {"a", "2"}};
  EXPECT_EQ(r.query_param("a"), "1");
  EXPECT_EQ(r.query_param("b"), "");
  EXPECT_FALSE(r.query_param("A").has_value());
  EXPECT_FALSE(r.query_param("c").has_value());
}

TEST(ResponseTest, JsonAndText) {
  Response j = Response::json(201, R"({"ok":true})");
  EXPECT_EQ(j.status, 201);
  EXPECT_EQ(j.content_type, "application/json");
  EXPECT_EQ(j.body, R"({"ok":true})");

  Response t = Response::text(200, "hello");
  EXPECT_EQ(t.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(t.body, "hello");
  Response m = Response::text(200, "x 1\n", "text/plain; version=0.0.4");
  EXPECT_EQ(m.content_type, "text/plain; version=0.0.4");
}

TEST(ResponseTest, ErrorBodyIsEscapedJson) {
  Response r = Response::error(400, "bad \"value\"\\ here\n\x01");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, R"({"errors":["bad \"value\"\\ here\n\u0001"]})");
}

TEST(ResponseTest, ErrorFromStatusUsesTheCodeMapping) {
  Response r = Response::error(core::Status(core::Code::payload_too_large, "too big"));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.body, R"({"errors":["too big"]})");
  EXPECT_EQ(Response::error(core::Status(core::Code::engine_error, "boom")).status, 500);
}

TEST(HttpStatusTest, EveryCodeMaps) {
  EXPECT_EQ(http_status_for(core::Code::invalid_argument), 400);
  EXPECT_EQ(http_status_for(core::Code::config_invalid), 400);
  EXPECT_EQ(http_status_for(core::Code::not_found), 404);
  EXPECT_EQ(http_status_for(core::Code::payload_too_large), 413);
  EXPECT_EQ(http_status_for(core::Code::unsupported_media), 415);
  EXPECT_EQ(http_status_for(core::Code::unavailable), 503);
  EXPECT_EQ(http_status_for(core::Code::io_error), 500);
  EXPECT_EQ(http_status_for(core::Code::engine_error), 500);
  EXPECT_EQ(http_status_for(core::Code::internal), 500);
}

TEST(JsonEscapeTest, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(json_escape("plain"), "plain");
  EXPECT_EQ(json_escape("a\"b\\c"), "a\\\"b\\\\c");
  EXPECT_EQ(json_escape("\t\r\n\b\f"), "\\t\\r\\n\\b\\f");
  EXPECT_EQ(json_escape(std::string_view("\x00\x1f", 2)), "\\u0000\\u001f");
  EXPECT_EQ(json_escape("caf\xc3\xa9"), "caf\xc3\xa9");  // UTF-8 passes through
  EXPECT_EQ(json_escape("\xf0\x9f\x90\x95!"), "\xf0\x9f\x90\x95!");
}

TEST(JsonEscapeTest, BytesThatAreNotUtf8BecomeReplacementCharacters) {
  EXPECT_EQ(json_escape("a\xff"
                        "b"),
            "a\\ufffdb");
  EXPECT_EQ(json_escape("\xc0\xaf"), "\\ufffd\\ufffd");                        // overlong '/'
  EXPECT_EQ(json_escape("\xed\xa0\x80"), "\\ufffd\\ufffd\\ufffd");             // a surrogate
  EXPECT_EQ(json_escape("\xe2\x82"), "\\ufffd\\ufffd");                        // cut short
  EXPECT_EQ(json_escape("\xf4\x90\x80\x80"), "\\ufffd\\ufffd\\ufffd\\ufffd");  // > U+10FFFF
}

TEST(PercentDecodeTest, DecodesEscapesAndPlus) {
  std::string out;
  ASSERT_TRUE(percent_decode("a%20b%2Fc%2fd", out, false));
  EXPECT_EQ(out, "a b/c/d");
  ASSERT_TRUE(percent_decode("x+y", out, false));
  EXPECT_EQ(out, "x+y");
  ASSERT_TRUE(percent_decode("x+y", out, true));
  EXPECT_EQ(out, "x y");
  ASSERT_TRUE(percent_decode("", out, true));
  EXPECT_EQ(out, "");
}

TEST(PercentDecodeTest, RejectsMalformedEscapes) {
  std::string out;
  EXPECT_FALSE(percent_decode("%", out, false));
  EXPECT_FALSE(percent_decode("abc%2", out, false));
  EXPECT_FALSE(percent_decode("%zz", out, false));
  EXPECT_FALSE(percent_decode("%g0", out, false));
  EXPECT_TRUE(percent_decode("%41%42", out, false));
  EXPECT_EQ(out, "AB");
}

TEST(QueryStringTest, SplitsAndDecodesInOrder) {
  auto q = parse_query_string("a=1&b=x%20y&c=p+q&flag&&=empty&d=");
  ASSERT_EQ(q.size(), 6u);
  EXPECT_EQ(q[0], (std::pair<std::string, std::string>{"a", "1"}));
  EXPECT_EQ(q[1], (std::pair<std::string, std::string>{"b", "x y"}));
  EXPECT_EQ(q[2], (std::pair<std::string, std::string>{"c", "p q"}));
  EXPECT_EQ(q[3], (std::pair<std::string, std::string>{"flag", ""}));
  EXPECT_EQ(q[4], (std::pair<std::string, std::string>{"", "empty"}));
  EXPECT_EQ(q[5], (std::pair<std::string, std::string>{"d", ""}));
  EXPECT_TRUE(parse_query_string("").empty());
}

TEST(QueryStringTest, ValueWithEqualsAndMalformedEscapeKeptAsSent) {
  auto q = parse_query_string("expr=a=b&bad=%zz");
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0].second, "a=b");
  EXPECT_EQ(q[1].second, "%zz");
}

class RouterTest : public ::testing::Test {
 protected:
  static Handler named(std::string name) {
    return [name](Request& r) {
      std::string body = name;
      for (const auto& [k, v] : r.path_params) body += " " + k + "=" + v;
      return Response::text(200, body);
    };
  }
  Router router;
};

TEST_F(RouterTest, ExactAndParameterRoutes) {
  router.add("GET", "/", named("root"));
  router.add("GET", "/api/v1/monitor/{id}", named("monitor"));
  router.add("GET", "/api/v1/monitor/{id}/checks/{check}", named("check"));

  Request root = make_request("GET", "/");
  EXPECT_EQ(router.dispatch(root).body, "root");

  Request one = make_request("GET", "/api/v1/monitor/abc");
  Response r = router.dispatch(one);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "monitor id=abc");
  EXPECT_EQ(one.path_params.at("id"), "abc");

  Request two = make_request("GET", "/api/v1/monitor/7/checks/x y");
  EXPECT_EQ(router.dispatch(two).body, "check check=x y id=7");
}

TEST_F(RouterTest, LiteralSegmentBeatsParameterWhateverTheOrder) {
  router.add("GET", "/items/{id}", named("param"));
  router.add("GET", "/items/summary", named("literal"));
  Request a = make_request("GET", "/items/summary");
  EXPECT_EQ(router.dispatch(a).body, "literal");
  EXPECT_TRUE(a.path_params.empty());
  Request b = make_request("GET", "/items/other");
  EXPECT_EQ(router.dispatch(b).body, "param id=other");
}

TEST_F(RouterTest, ParametersDoNotMatchEmptySegmentsOrExtraSlashes) {
  router.add("GET", "/items/{id}", named("param"));
  router.add("GET", "/items", named("list"));
  Request empty = make_request("GET", "/items/");
  EXPECT_EQ(router.dispatch(empty).status, 404);
  Request deeper = make_request("GET", "/items/a/b");
  EXPECT_EQ(router.dispatch(deeper).status, 404);
  Request list = make_request("GET", "/items");
  EXPECT_EQ(router.dispatch(list).body, "list");
}

TEST_F(RouterTest, NoRouteIs404WithJsonBody) {
  router.add("GET", "/a", named("a"));
  Request r = make_request("GET", "/x");
  Response res = router.dispatch(r);
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.content_type, "application/json");
  EXPECT_EQ(res.body, R"({"errors":["no route for GET /x"]})");

  Request quoted = make_request("DELETE", "/a\"b");
  EXPECT_EQ(router.dispatch(quoted).body, R"({"errors":["no route for DELETE /a\"b"]})");
}

TEST_F(RouterTest, WrongMethodIs405WithAllow) {
  router.add("GET", "/things/{id}", named("get"));
  router.add("PUT", "/things/{id}", named("put"));
  router.add("POST", "/other", named("post"));
  Request r = make_request("DELETE", "/things/1");
  Response res = router.dispatch(r);
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(find_header(res, "Allow"), "GET, HEAD, PUT");
  EXPECT_EQ(res.body, R"({"errors":["method DELETE not allowed for /things/1"]})");

  Request head = make_request("HEAD", "/other");
  Response h = router.dispatch(head);
  EXPECT_EQ(h.status, 405);
  EXPECT_EQ(find_header(h, "Allow"), "POST");
}

TEST_F(RouterTest, HeadFallsBackToGetButPrefersItsOwnRoute) {
  router.add("GET", "/page", named("get page"));
  router.add("GET", "/both", named("get both"));
  router.add("HEAD", "/both", named("head both"));
  Request a = make_request("HEAD", "/page");
  EXPECT_EQ(router.dispatch(a).body, "get page");
  Request b = make_request("HEAD", "/both");
  EXPECT_EQ(router.dispatch(b).body, "head both");
}

TEST_F(RouterTest, HandlerExceptionsPropagateToTheCaller) {
  router.add("GET", "/boom", [](Request&) -> Response { throw std::runtime_error("boom"); });
  Request r = make_request("GET", "/boom");
  EXPECT_THROW(router.dispatch(r), std::runtime_error);
}

TEST(RouterFallbackTest, AnswersOnlyUnmatchedPaths) {
  Router router;
  router.add("GET", "/api/v1/thing", [](Request&) { return Response::text(200, "route"); });
  router.set_fallback([](Request& r) { return Response::text(200, "fallback " + r.path); });

  Request r = make_request("GET", "/api/v1/thing");
  EXPECT_EQ(router.dispatch(r).body, "route");
  r = make_request("GET", "/logs");
  EXPECT_EQ(router.dispatch(r).body, "fallback /logs");
  r = make_request("GET", "/");
  EXPECT_EQ(router.dispatch(r).body, "fallback /");
  // A known path with another method stays a 405, not the fallback.
  r = make_request("POST", "/api/v1/thing");
  EXPECT_EQ(router.dispatch(r).status, 405);
}

TEST(RouterFallbackTest, NoneAnswers404) {
  Router router;
  router.add("GET", "/a", [](Request&) { return Response::text(200, "a"); });
  Request r = make_request("GET", "/b");
  EXPECT_EQ(router.dispatch(r).status, 404);
}

}  // namespace
}  // namespace heeler::net
