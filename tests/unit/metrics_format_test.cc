// The metrics registry and the text exposition format 0.0.4 (metrics/):
// values, escaping, histogram buckets, label children, callbacks, and
// updates from many threads.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "metrics/exposition.h"
#include "metrics/registry.h"

namespace pb::metrics {
namespace {

TEST(MetricsFormat, ValuesAreIntegersShortestDecimalsOrTheSpecialWords) {
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(-0.0), "0");
  EXPECT_EQ(FormatValue(42), "42");
  EXPECT_EQ(FormatValue(-7), "-7");
  EXPECT_EQ(FormatValue(9007199254740992.0), "9007199254740992");  // 2^53, still exact
  EXPECT_EQ(FormatValue(0.005), "0.005");
  EXPECT_EQ(FormatValue(0.0001), "0.0001");
  EXPECT_EQ(FormatValue(1700000000.25), "1.70000000025e+09");  // as Prometheus's Go clients write it
  EXPECT_EQ(FormatValue(2.5), "2.5");
  EXPECT_EQ(FormatValue(1e-6), "1e-06");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::nan("")), "NaN");
}

TEST(MetricsFormat, LabelValuesEscapeBackslashQuoteAndNewlineAndHelpKeepsQuotes) {
  Registry registry;
  registry.AddGauge("t_gauge", "a \"quoted\" help\\with a\nnewline", {"path"})
      .Labels({"C:\\dir \"x\"\nnext"})
      .Set(1);
  EXPECT_EQ(registry.Render(),
            "# HELP t_gauge a \"quoted\" help\\\\with a\\nnewline\n"
            "# TYPE t_gauge gauge\n"
            "t_gauge{path=\"C:\\\\dir \\\"x\\\"\\nnext\"} 1\n");
}

TEST(MetricsFormat, HistogramBucketsAreCumulativeAndEndInInfEqualToCountWithSum) {
  Registry registry;
  Histogram& h = registry.AddHistogram("t_seconds", "latency", {0.5, 1, 5}).Get();
  for (double v : {0.25, 0.5, 1.0, 3.0, 10.0}) h.Observe(v);  // le is inclusive: 0.5 and 1 stay in their buckets
  EXPECT_EQ(registry.Render(),
            "# HELP t_seconds latency\n"
            "# TYPE t_seconds histogram\n"
            "t_seconds_bucket{le=\"0.5\"} 2\n"
            "t_seconds_bucket{le=\"1\"} 3\n"
            "t_seconds_bucket{le=\"5\"} 4\n"
            "t_seconds_bucket{le=\"+Inf\"} 5\n"
            "t_seconds_sum 14.75\n"
            "t_seconds_count 5\n");
}

TEST(MetricsFormat, EmptyHistogramRendersZeroBucketsAndCount) {
  Registry registry;
  registry.AddHistogram("t_bytes", "sizes", {1}, {"kind"}).Labels({"a"});
  EXPECT_EQ(registry.Render(),
            "# HELP t_bytes sizes\n"
            "# TYPE t_bytes histogram\n"
            "t_bytes_bucket{kind=\"a\",le=\"1\"} 0\n"
            "t_bytes_bucket{kind=\"a\",le=\"+Inf\"} 0\n"
            "t_bytes_sum{kind=\"a\"} 0\n"
            "t_bytes_count{kind=\"a\"} 0\n");
}

TEST(MetricsFormat, ChildrenAreKeptPerLabelValuesAndRenderedInOrder) {
  Registry registry;
  auto& requests = registry.AddCounter("t_requests_total", "requests", {"route", "status"});
  requests.Labels({"/b", "200"}).Inc();
  requests.Labels({"/a", "404"}).Inc(2);
  requests.Labels({"/b", "200"}).Inc();
  requests.Labels({"/c"}).Inc();                   // a missing value is ""
  requests.Labels({"/d", "500", "extra"}).Inc();   // an extra one is ignored
  EXPECT_EQ(&requests.Labels({"/b", "200"}), &requests.Labels({"/b", "200"}));  // the same child every time
  EXPECT_EQ(registry.Render(),
            "# HELP t_requests_total requests\n"
            "# TYPE t_requests_total counter\n"
            "t_requests_total{route=\"/a\",status=\"404\"} 2\n"
            "t_requests_total{route=\"/b\",status=\"200\"} 2\n"
            "t_requests_total{route=\"/c\",status=\"\"} 1\n"
            "t_requests_total{route=\"/d\",status=\"500\"} 1\n");
}

TEST(MetricsFormat, FamiliesRenderInTheOrderTheyWereAdded) {
  Registry registry;
  registry.AddGauge("t_second", "2").Get().Set(2);
  registry.AddCounter("t_first_total", "1").Get().Inc();
  const std::string text = registry.Render();
  EXPECT_LT(text.find("t_second"), text.find("t_first_total")) << text;
}

TEST(MetricsFormat, CallbacksAreReadAtEveryRenderAndMayHaveNoSample) {
  Registry registry;
  double open = 3;
  registry.AddFunc(Type::kGauge, "t_open_connections", "open", [&] { return open; });
  bool known = false;
  registry.AddCallback(Type::kCounter, "t_refused_total", "refused", {"reason"}, [&] {
    return known ? Samples{{{"cap"}, 5}, {{"reserve"}, 1}} : Samples{};
  });
  EXPECT_EQ(registry.Render(),
            "# HELP t_open_connections open\n# TYPE t_open_connections gauge\nt_open_connections 3\n"
            "# HELP t_refused_total refused\n# TYPE t_refused_total counter\n");
  open = 4;
  known = true;
  EXPECT_EQ(registry.Render(),
            "# HELP t_open_connections open\n# TYPE t_open_connections gauge\nt_open_connections 4\n"
            "# HELP t_refused_total refused\n# TYPE t_refused_total counter\n"
            "t_refused_total{reason=\"cap\"} 5\nt_refused_total{reason=\"reserve\"} 1\n");
}

TEST(MetricsFormat, UpdatesFromManyThreadsAreAllCounted) {
  Registry registry;
  auto& counter = registry.AddCounter("t_total", "n", {"thread"});
  Histogram& h = registry.AddHistogram("t_values", "v", {1, 10}).Get();
  Gauge& g = registry.AddGauge("t_gauge", "g").Get();
  constexpr int kThreads = 4, kEach = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        counter.Labels({t % 2 == 0 ? "even" : "odd"}).Inc();
        h.Observe(i % 3 == 0 ? 0.5 : 20);
        g.Add(1);
        if (i % 1000 == 0) (void)registry.Render();  // renders run beside the updates
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter.Labels({"even"}).Value() + counter.Labels({"odd"}).Value(), kThreads * kEach);
  EXPECT_EQ(g.Value(), kThreads * kEach);
  Histogram::Reading r = h.Read();
  EXPECT_EQ(r.cumulative.back(), uint64_t{kThreads} * kEach);
  const uint64_t small = kThreads * ((kEach + 2) / 3);  // i % 3 == 0
  EXPECT_EQ(r.cumulative[0], small);
  EXPECT_EQ(r.cumulative[1], small);
  EXPECT_DOUBLE_EQ(r.sum, 0.5 * static_cast<double>(small) + 20.0 * static_cast<double>(kThreads * kEach - small));
}

TEST(MetricsFormat, FindSampleReadsBackExactlyTheSeriesAsked) {
  Registry registry;
  auto& g = registry.AddGauge("t_last_success_timestamp_seconds", "t", {"repo"});
  g.Labels({"/backups/a"}).Set(1700000000.5);
  g.Labels({"/backups/a2"}).Set(7);
  registry.AddGauge("t_last_success_timestamp_seconds_other", "o", {"repo"}).Labels({"/backups/a"}).Set(9);
  const std::string text = registry.Render();
  const std::vector<std::string> names = {"repo"};
  auto key = [&](const std::string& repo) {
    return SeriesKey("t_last_success_timestamp_seconds", "", names, {repo});
  };
  EXPECT_EQ(FindSample(text, key("/backups/a")), 1700000000.5);
  EXPECT_EQ(FindSample(text, key("/backups/a2")), 7);
  EXPECT_EQ(FindSample(text, key("/backups/b")), std::nullopt);
  EXPECT_EQ(FindSample("t_x not-a-number\n", "t_x"), std::nullopt);
  EXPECT_EQ(FindSample("t_x +Inf 1700000000000\n", "t_x"), std::numeric_limits<double>::infinity());
}

TEST(MetricsFormat, NamesFollowTheFormatsRules) {
  EXPECT_TRUE(IsValidMetricName("payments_journal_last_seq"));
  EXPECT_TRUE(IsValidMetricName("job:rate5m"));
  EXPECT_FALSE(IsValidMetricName(""));
  EXPECT_FALSE(IsValidMetricName("1abc"));
  EXPECT_FALSE(IsValidMetricName("a-b"));
  EXPECT_TRUE(IsValidLabelName("route"));
  EXPECT_FALSE(IsValidLabelName("a:b"));
  EXPECT_FALSE(IsValidLabelName("__name__"));
}

}  // namespace
}  // namespace pb::metrics
