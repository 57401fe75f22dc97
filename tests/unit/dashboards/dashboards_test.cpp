#include "dashboards/dashboards.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <regex>
#include <set>
#include <thread>

namespace heeler::dashboards {
namespace {

using nlohmann::json;

json minimal() {
  return json::parse(R"({"title": "Checkout", "layout_type": "ordered", "widgets": []})");
}

std::string error_of(const json& body) {
  auto r = normalize(body);
  EXPECT_FALSE(r.ok()) << body.dump();
  if (r.ok()) return {};
  EXPECT_EQ(r.status().code(), core::Code::invalid_argument);
  return r.status().message();
}

TEST(Normalize, FillsOptionalFieldsAndDropsServerOwnedOnes) {
  json body = minimal();
  body["id"] = "abc-def-ghi";
  body["url"] = "/dashboard/abc-def-ghi/x";
  body["created_at"] = "2020-01-01T00:00:00.000000+00:00";
  body["author_handle"] = "someone@example.com";
  body["is_read_only"] = true;
  body["tags"] = json::array({"team:shop"});  // unknown to us: kept
  auto r = normalize(body);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_FALSE(r->contains("id"));
  EXPECT_FALSE(r->contains("url"));
  EXPECT_FALSE(r->contains("created_at"));
  EXPECT_FALSE(r->contains("author_handle"));
  EXPECT_FALSE(r->contains("is_read_only"));
  EXPECT_TRUE((*r)["description"].is_null());
  EXPECT_EQ((*r)["template_variables"], json::array());
  EXPECT_EQ((*r)["notify_list"], json::array());
  EXPECT_EQ((*r)["tags"], json::array({"team:shop"}));
}

TEST(Normalize, GivesEveryWidgetAUniqueIdNestedGroupsToo) {
  json body = minimal();
  body["widgets"] = json::parse(R"([
    {"id": 7, "definition": {"type": "note", "content": "hi"}},
    {"id": 7, "definition": {"type": "timeseries", "requests": [{"q": "avg:cpu{*}"}]}},
    {"definition": {"type": "group", "widgets": [
      {"definition": {"type": "query_value", "requests": [{"q": "avg:cpu{*}"}]}},
      {"id": "12", "definition": {"type": "toplist", "requests": []}}]}}])");
  auto r = normalize(body);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  std::set<int64_t> ids;
  const json& w = (*r)["widgets"];
  EXPECT_EQ(w[0]["id"], 7) << "a whole unused id is kept";
  for (const json* x : {&w[0], &w[1], &w[2], &w[2]["definition"]["widgets"][0],
                        &w[2]["definition"]["widgets"][1]}) {
    ASSERT_TRUE((*x)["id"].is_number_integer());
    const int64_t id = (*x)["id"];
    EXPECT_GT(id, 0);
    EXPECT_LT(id, int64_t{1} << 53) << "JavaScript reads it exactly";
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 5u);
}

TEST(Normalize, ErrorsNameTheField) {
  EXPECT_EQ(error_of(json::array()), "the body must be a JSON object (a dashboard)");
  json b = minimal();
  b.erase("title");
  EXPECT_EQ(error_of(b), "title is required");
  b = minimal();
  b["title"] = 5;
  EXPECT_EQ(error_of(b), "title must be a string");
  b["title"] = "   ";
  EXPECT_EQ(error_of(b), "title must not be empty");
  b = minimal();
  b["layout_type"] = "grid";
  EXPECT_EQ(error_of(b), "layout_type must be \"ordered\" or \"free\"");
  b = minimal();
  b.erase("widgets");
  EXPECT_EQ(error_of(b), "widgets is required (an array, may be empty)");
  b = minimal();
  b["widgets"] = json::parse(R"([{"definition": {"type": "note"}}, {"definition": {}}])");
  EXPECT_EQ(error_of(b), "widgets[1].definition.type must be a non-empty string");
  b["widgets"] = json::parse(
      R"([{"definition": {"type": "group", "widgets": [{"definition": {"type": "note"},
          "layout": {"x": 0, "y": 0, "width": 0, "height": 2}}]}}])");
  EXPECT_EQ(error_of(b),
            "widgets[0].definition.widgets[0].layout must be at least 1 wide and 1 high");
  b["widgets"] = json::parse(
      R"([{"definition": {"type": "note"}, "layout": {"x": -1, "y": 0, "width": 2, "height": 2}}])");
  EXPECT_EQ(error_of(b), "widgets[0].layout.x must be a whole number from 0");
  b["widgets"] = json::parse(R"([{"definition": {"type": "note"}, "layout": {"x": 1.5}}])");
  EXPECT_EQ(error_of(b), "widgets[0].layout.x must be a whole number from 0");
  b["widgets"] = json::parse(R"([{"definition": {"type": "timeseries", "requests": "avg:x"}}])");
  EXPECT_EQ(error_of(b), "widgets[0].definition.requests must be an array");
  b = minimal();
  b["template_variables"] = json::parse(R"([{"name": "host"}, {"name": "host"}])");
  EXPECT_EQ(error_of(b), "template_variables[1].name 'host' is repeated");
  b["template_variables"] = json::parse(R"([{"name": "a b"}])");
  EXPECT_EQ(error_of(b),
            "template_variables[0].name 'a b' may hold only letters, digits, _ - and .");
  b["template_variables"] = json::parse(R"([{"name": "env", "defaults": ["prod", 1]}])");
  EXPECT_EQ(error_of(b), "template_variables[0].defaults must be an array of strings");
  b = minimal();
  b["notify_list"] = "ops@example.com";
  EXPECT_EQ(error_of(b), "notify_list must be an array of strings");
}

TEST(Normalize, RefusesMoreThanAThousandWidgets) {
  json b = minimal();
  for (int i = 0; i < 1001; ++i) b["widgets"].push_back({{"definition", {{"type", "note"}}}});
  EXPECT_EQ(error_of(b), "a dashboard holds at most 1000 widgets");
}

TEST(Slug, LowercasesAndJoinsWordsWithDashes) {
  EXPECT_EQ(slug("Service health: web (prod)"), "service-health-web-prod");
  EXPECT_EQ(slug("  --CPU--  "), "cpu");
  EXPECT_EQ(slug("<script>"), "script");
  EXPECT_EQ(slug(""), "");
}

class DashboardStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("heeler-dash-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto meta = store::MetadataStore::open(dir_ / "meta.db");
    ASSERT_TRUE(meta.ok());
    meta_ = std::move(*meta);
    ASSERT_TRUE(meta_->migrate(store::metadata_migrations()).ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::unique_ptr<store::MetadataStore> meta_;
};

TEST_F(DashboardStoreTest, CreateGetReplaceListRemove) {
  DashboardStore store(*meta_);
  json body = *normalize(minimal());
  body["widgets"] = json::parse(R"([{"id": 1, "definition": {"type": "note", "content": "x"}}])");
  auto created = store.create(body);
  ASSERT_TRUE(created.ok()) << created.status().to_string();
  const std::string id = (*created)["id"];
  EXPECT_TRUE(std::regex_match(id, std::regex("[a-z0-9]{3}-[a-z0-9]{3}-[a-z0-9]{3}"))) << id;
  EXPECT_EQ((*created)["url"], "/dashboard/" + id + "/checkout");
  EXPECT_EQ((*created)["created_at"], (*created)["modified_at"]);
  EXPECT_TRUE(std::regex_match((*created)["created_at"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00)")));

  auto got = store.get(id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, *created);

  json changed = body;
  changed["title"] = "Checkout v2";
  changed["description"] = "the payment path";
  auto replaced = store.replace(id, changed);
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ((*replaced)["title"], "Checkout v2");
  EXPECT_EQ((*replaced)["created_at"], (*created)["created_at"]);
  EXPECT_GT((*replaced)["modified_at"].get<std::string>(),
            (*created)["modified_at"].get<std::string>());

  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // a later modification time
  auto second = store.create(
      *normalize(json::parse(R"({"title": "Another", "layout_type": "free", "widgets": []})")));
  ASSERT_TRUE(second.ok());
  auto all = store.list();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  // Most recently modified first.
  EXPECT_EQ((*all)[0].id, (*second)["id"]);
  EXPECT_EQ((*all)[1].title, "Checkout v2");
  EXPECT_EQ((*all)[1].description, "the payment path");
  json summary = summary_json((*all)[1]);
  EXPECT_EQ(summary["url"], "/dashboard/" + id + "/checkout-v2");
  EXPECT_EQ(summary["layout_type"], "ordered");

  ASSERT_TRUE(store.remove(id).ok());
  EXPECT_EQ(store.get(id).status().code(), core::Code::not_found);
  EXPECT_EQ(store.get(id).status().message(), "Dashboard " + id + " not found");
  EXPECT_EQ(store.remove(id).code(), core::Code::not_found);
  EXPECT_EQ(store.replace(id, body).status().code(), core::Code::not_found);
  EXPECT_EQ(store.list()->size(), 1u);
}

TEST_F(DashboardStoreTest, HostileStringsComeBackAsTheyWent) {
  DashboardStore store(*meta_);
  json body = minimal();
  body["title"] = "'); DROP TABLE dashboards; -- <img src=x onerror=alert(1)> \xe2\x9c\x93";
  body["widgets"] = json::parse(R"([{"definition": {"type": "note", "content": "\u0000 nul"}}])");
  auto created = store.create(*normalize(body));
  ASSERT_TRUE(created.ok()) << created.status().to_string();
  auto got = store.get((*created)["id"]);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)["title"], body["title"]);
  EXPECT_EQ((*got)["widgets"][0]["definition"]["content"], std::string("\0 nul", 5));
  EXPECT_EQ(store.list()->size(), 1u);
}

}  // namespace
}  // namespace heeler::dashboards
