#include "metrics/registry.h"

#include <algorithm>
#include <limits>

namespace pb::metrics {
namespace {

// A counter's or a gauge's one sample.
template <typename T>
void RenderChild(std::string* out, const std::string& name, const std::vector<std::string>& label_names,
                 const std::vector<std::string>& values, const std::vector<double>&, const T& child) {
  AppendSample(out, SeriesKey(name, "", label_names, values), child.Value());
}

// A histogram's buckets (cumulative, then +Inf), _sum and _count.
void RenderChild(std::string* out, const std::string& name, const std::vector<std::string>& label_names,
                 const std::vector<std::string>& values, const std::vector<double>& bounds, const Histogram& h) {
  const Histogram::Reading r = h.Read();
  for (size_t i = 0; i < bounds.size(); ++i) {
    AppendSample(out, SeriesKey(name, "_bucket", label_names, values, bounds[i]), static_cast<double>(r.cumulative[i]));
  }
  const double count = static_cast<double>(r.cumulative.back());
  AppendSample(out, SeriesKey(name, "_bucket", label_names, values, std::numeric_limits<double>::infinity()), count);
  AppendSample(out, SeriesKey(name, "_sum", label_names, values), r.sum);
  AppendSample(out, SeriesKey(name, "_count", label_names, values), count);
}

template <typename T>
constexpr Type TypeOf();
template <>
constexpr Type TypeOf<Counter>() { return Type::kCounter; }
template <>
constexpr Type TypeOf<Gauge>() { return Type::kGauge; }
template <>
constexpr Type TypeOf<Histogram>() { return Type::kHistogram; }

template <typename T>
std::unique_ptr<T> NewChild(const std::vector<double>*) { return std::make_unique<T>(); }
template <>
std::unique_ptr<Histogram> NewChild<Histogram>(const std::vector<double>* bounds) {
  return std::make_unique<Histogram>(bounds);
}

// A family whose samples are read from a source at every render.
class CallbackFamily : public FamilyBase {
 public:
  CallbackFamily(Type type, std::string name, std::string help, std::vector<std::string> label_names,
                 std::function<Samples()> read)
      : type_(type), name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)),
        read_(std::move(read)) {}

  void Render(std::string* out) const override {
    AppendHeader(out, name_, type_, help_);
    for (const auto& [values, value] : read_()) AppendSample(out, SeriesKey(name_, "", label_names_, values), value);
  }

 private:
  const Type type_;
  const std::string name_, help_;
  const std::vector<std::string> label_names_;
  const std::function<Samples()> read_;
};

}  // namespace

Histogram::Histogram(const std::vector<double>* bounds)
    : bounds_(*bounds), counts_(std::make_unique<std::atomic<uint64_t>[]>(bounds->size() + 1)) {}

void Histogram::Observe(double value) {
  // The first bound >= value (le is inclusive); past the last: the +Inf slot.
  const size_t i = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Reading Histogram::Read() const {
  Reading r;
  r.cumulative.resize(bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    r.cumulative[i] = running;
  }
  r.sum = sum_.load(std::memory_order_relaxed);
  return r;
}

template <typename T>
Family<T>::Family(std::string name, std::string help, std::vector<std::string> label_names, std::vector<double> bounds)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)), bounds_(std::move(bounds)) {}

template <typename T>
T& Family<T>::Labels(std::span<const std::string_view> values) {
  if (values.size() != label_names_.size()) {
    std::vector<std::string_view> fitted(values.begin(), values.begin() + std::min(values.size(), label_names_.size()));
    fitted.resize(label_names_.size());
    return Labels(std::span<const std::string_view>(fitted));
  }
  std::lock_guard lock(mu_);
  auto it = children_.find(values);
  if (it == children_.end()) {
    it = children_.emplace(std::vector<std::string>(values.begin(), values.end()), NewChild<T>(&bounds_)).first;
  }
  return *it->second;
}

template <typename T>
void Family<T>::Render(std::string* out) const {
  AppendHeader(out, name_, TypeOf<T>(), help_);
  std::lock_guard lock(mu_);
  for (const auto& [values, child] : children_) RenderChild(out, name_, label_names_, values, bounds_, *child);
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

template <typename F>
F& Registry::Add(std::unique_ptr<F> family) {
  F& ref = *family;
  std::lock_guard lock(mu_);
  families_.push_back(std::move(family));
  return ref;
}

Family<Counter>& Registry::AddCounter(std::string name, std::string help, std::vector<std::string> label_names) {
  return Add(std::make_unique<Family<Counter>>(std::move(name), std::move(help), std::move(label_names)));
}

Family<Gauge>& Registry::AddGauge(std::string name, std::string help, std::vector<std::string> label_names) {
  return Add(std::make_unique<Family<Gauge>>(std::move(name), std::move(help), std::move(label_names)));
}

Family<Histogram>& Registry::AddHistogram(std::string name, std::string help, std::vector<double> bounds,
                                          std::vector<std::string> label_names) {
  return Add(std::make_unique<Family<Histogram>>(std::move(name), std::move(help), std::move(label_names),
                                                 std::move(bounds)));
}

void Registry::AddCallback(Type type, std::string name, std::string help, std::vector<std::string> label_names,
                           std::function<Samples()> read) {
  Add(std::make_unique<CallbackFamily>(type, std::move(name), std::move(help), std::move(label_names),
                                       std::move(read)));
}

void Registry::AddFunc(Type type, std::string name, std::string help, std::function<double()> read) {
  AddCallback(type, std::move(name), std::move(help), {}, [read = std::move(read)] { return Samples{{{}, read()}}; });
}

std::string Registry::Render() const {
  std::string out;
  std::lock_guard lock(mu_);
  for (const auto& family : families_) family->Render(&out);
  return out;
}

}  // namespace pb::metrics
