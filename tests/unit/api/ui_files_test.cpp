#include "api/ui_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

namespace heeler::api {
namespace {

using net::Request;
using net::Response;

std::optional<std::string> header(const Response& r, std::string_view name) {
  for (const net::Header& h : r.headers)
    if (h.name == name) return h.value;
  return std::nullopt;
}

class UiFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() / ("heeler-ui-" + std::to_string(::getpid()));
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_ / "dist" / "assets");
    write(root_ / "dist" / "index.html", "<html>app</html>");
    write(root_ / "dist" / "assets" / "index-abc123.js", "console.log(1)");
    write(root_ / "dist" / "assets" / "index-abc123.css", "body{}");
    write(root_ / "dist" / "favicon.svg", "<svg/>");
    write(root_ / "secret.txt", "secret");
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  static void write(const std::filesystem::path& p, const std::string& text) {
    std::ofstream(p, std::ios::binary) << text;
  }
  // `target` as sent; the path decoded as the server does.
  Response get(const std::string& target, const std::string& method = "GET") {
    Request r;
    r.method = method;
    r.target = target;
    std::string path = target.substr(0, target.find('?'));
    std::string decoded;
    EXPECT_TRUE(net::percent_decode(path, decoded, false));
    r.path = decoded;
    return serve_ui(root_ / "dist", r);
  }

  std::filesystem::path root_;
};

TEST_F(UiFilesTest, RootAndClientRoutesAnswerIndexUncached) {
  for (const char* target : {"/", "/logs", "/metric/explorer?q=avg%3Acpu", "/apm/traces/abc"}) {
    Response r = get(target);
    EXPECT_EQ(r.status, 200) << target;
    EXPECT_EQ(r.body, "<html>app</html>") << target;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(header(r, "Cache-Control"), "no-cache");
  }
}

TEST_F(UiFilesTest, HashedAssetsAreImmutableWithTheirType) {
  Response js = get("/assets/index-abc123.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.body, "console.log(1)");
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(header(js, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(get("/assets/index-abc123.css").content_type, "text/css; charset=utf-8");
  Response svg = get("/favicon.svg");
  EXPECT_EQ(svg.content_type, "image/svg+xml");
  EXPECT_EQ(header(svg, "Cache-Control"), "no-cache");
  EXPECT_EQ(get("/assets/missing.js").status, 404);
}

TEST_F(UiFilesTest, RejectsPathTraversalEncodedOrNot) {
  for (const char* target :
       {"/assets/../../secret.txt", "/../secret.txt", "/assets/%2e%2e/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt", "/assets/..%2f..%2fsecret.txt", "/assets/%2e%2e%2fsecret.txt",
        "/assets/..\\..\\secret.txt", "/./index.html"}) {
    Response r = get(target);
    EXPECT_EQ(r.status, 400) << target;
    EXPECT_EQ(r.body.find("secret"), std::string::npos) << target;
  }
}

TEST_F(UiFilesTest, ApiPathsStayJson404) {
  Response r = get("/api/v1/nothing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "application/json");
}

TEST_F(UiFilesTest, OnlyGetAndHead) {
  EXPECT_EQ(get("/logs", "HEAD").status, 200);
  EXPECT_EQ(get("/logs", "POST").status, 405);
}

TEST_F(UiFilesTest, MissingBuildSaysHowToBuild) {
  Request r;
  r.method = "GET";
  r.target = r.path = "/";
  Response res = serve_ui(root_ / "nowhere", r);
  EXPECT_EQ(res.content_type, "text/html; charset=utf-8");
  EXPECT_NE(res.body.find("was not built"), std::string::npos);
  EXPECT_NE(res.body.find("make"), std::string::npos);
  Response odd = serve_ui(root_ / "<b>", r);
  EXPECT_EQ(odd.body.find("<b>"), std::string::npos);
  EXPECT_NE(odd.body.find("&lt;b&gt;"), std::string::npos);
}

TEST(UiDirTest, ConfiguredDirectoryWins) {
  EXPECT_EQ(resolve_ui_dir("/srv/heeler-ui"), std::filesystem::path("/srv/heeler-ui"));
  EXPECT_FALSE(resolve_ui_dir("").empty());
}

}  // namespace
}  // namespace heeler::api
