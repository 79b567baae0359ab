// metrics/: the registry of a process's metrics, rendered in the text
// exposition format (exposition.h).
//
// Threading: Counter, Gauge and Histogram updates are lock-free (relaxed
// atomics) and may come from any thread. Family::Labels() takes the
// family's mutex to find or create a child: resolve a child once and keep
// the reference where the labels are fixed (children are never removed and
// never move). Render() may run on any thread, concurrently with updates;
// it sees each value at some moment during the render.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "metrics/exposition.h"

namespace pb::metrics {

// A value that only goes up (requests served, bytes written).
class Counter {
 public:
  // REQUIRES: by >= 0.
  void Inc(double by = 1.0) { value_.fetch_add(by, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// A value that goes up and down, or is set (a sequence number, 0/1).
class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double by) { value_.fetch_add(by, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted into buckets by upper bound (le), with their sum.
// Buckets are kept apart and made cumulative when read, so a render's
// "+Inf" bucket always equals its _count.
class Histogram {
 public:
  // `bounds`: strictly increasing upper bounds, shared by a family's
  // children (it outlives them).
  explicit Histogram(const std::vector<double>* bounds);
  void Observe(double value);

  struct Reading {
    std::vector<uint64_t> cumulative;  // one per bound, then +Inf (== count)
    double sum = 0;
  };
  Reading Read() const;

 private:
  const std::vector<double>& bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1 (the last: above every bound)
  std::atomic<double> sum_{0};
};

// What the registry renders: one metric family (HELP, TYPE, samples).
class FamilyBase {
 public:
  virtual ~FamilyBase() = default;
  virtual void Render(std::string* out) const = 0;
};

// Orders label-value lists; finds a std::vector<std::string> key from a
// span of string_views without building one.
struct LabelValuesLess {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                        [](std::string_view x, std::string_view y) { return x < y; });
  }
};

// A metric with labels: one child per distinct set of label values.
template <typename T>
class Family : public FamilyBase {
 public:
  Family(std::string name, std::string help, std::vector<std::string> label_names, std::vector<double> bounds = {});

  // The child for these label values, in the order of the label names
  // (created at first use; missing values are "", extra ones ignored).
  // Finding an existing child allocates nothing.
  T& Labels(std::span<const std::string_view> values);
  T& Labels(std::initializer_list<std::string_view> values) { return Labels(std::span(values.begin(), values.size())); }
  // The child of a family without labels.
  T& Get() { return Labels({}); }

  void Render(std::string* out) const override;

 private:
  const std::string name_, help_;
  const std::vector<std::string> label_names_;
  const std::vector<double> bounds_;  // histograms only
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<T>, LabelValuesLess> children_;  // rendered in this order
};

// Samples read at render time: label values (in the order of the label
// names) and the value.
using Samples = std::vector<std::pair<std::vector<std::string>, double>>;

// Owns a process's metric families and renders them in the order they
// were added. REQUIRES for every Add*: a valid metric name (exposition.h)
// not added before, valid label names other than "le"; histogram bounds
// strictly increasing. Not copyable.
class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  Family<Counter>& AddCounter(std::string name, std::string help, std::vector<std::string> label_names = {});
  Family<Gauge>& AddGauge(std::string name, std::string help, std::vector<std::string> label_names = {});
  Family<Histogram>& AddHistogram(std::string name, std::string help, std::vector<double> bounds,
                                  std::vector<std::string> label_names = {});

  // A counter or gauge (`type`: not kHistogram) whose samples a source
  // already keeps, read by `read` at every Render (on the rendering thread:
  // it must be cheap and thread-safe). An empty result renders no sample
  // (a value not known yet). For example, the HTTP server's own counters:
  //   registry.AddFunc(Type::kCounter, "payments_http_refused_connections_total",
  //                    "Connections refused over the cap.", [&server] { return server.stats().refused; });
  void AddCallback(Type type, std::string name, std::string help, std::vector<std::string> label_names,
                   std::function<Samples()> read);
  // The same for one unlabeled value.
  void AddFunc(Type type, std::string name, std::string help, std::function<double()> read);

  // The exposition of every family (kContentType).
  std::string Render() const;

 private:
  template <typename F>
  F& Add(std::unique_ptr<F> family);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<FamilyBase>> families_;
};

}  // namespace pb::metrics
