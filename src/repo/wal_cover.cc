#include "repo/wal_cover.h"

#include <algorithm>

namespace pb::repo {
namespace {

constexpr int kMaxRelists = 3;

// Whether `a` reaches further than `b` (or as far, at a higher level).
bool Better(const WalName& a, const WalName& b) {
  return a.last_seq != b.last_seq ? a.last_seq > b.last_seq : a.level > b.level;
}

}  // namespace

WalCover CoverOf(const std::vector<WalName>& names, uint64_t from_seq) {
  WalCover cover;
  std::vector<bool> taken(names.size(), false);
  uint64_t need = std::max<uint64_t>(from_seq, 1);
  size_t i = 0;  // names before i begin at or before `need`
  for (;;) {
    // Every object not scanned yet begins after the previous `need`, so
    // the candidates for this one are scanned here; earlier ones all end
    // before it (the previous choice reached furthest).
    const WalName* best = nullptr;
    size_t best_index = 0;
    for (; i < names.size() && names[i].first_seq <= need; ++i) {
      if (names[i].last_seq >= need && (!best || Better(names[i], *best))) {
        best = &names[i];
        best_index = i;
      }
    }
    if (!best) {
      if (i == names.size()) break;
      need = names[i].first_seq;  // a gap: the cover goes on after it
      continue;
    }
    cover.objects.push_back(*best);
    taken[best_index] = true;
    need = best->last_seq + 1;
  }
  for (size_t n = 0; n < names.size(); ++n) {
    const WalName& o = names[n];
    if (taken[n] || o.last_seq < from_seq) continue;
    // The cover object that begins last at or before o.
    auto it = std::upper_bound(cover.objects.begin(), cover.objects.end(), o.first_seq,
                               [](uint64_t seq, const WalName& c) { return seq < c.first_seq; });
    if (it != cover.objects.begin()) {
      const WalName& holder = *(it - 1);
      if (o.last_seq <= holder.last_seq && holder.level > o.level) {
        cover.redundant.emplace_back(o, holder);
        continue;
      }
    }
    cover.overlapping.push_back(o);
  }
  return cover;
}

WalStreamReader::WalStreamReader(Backend& backend, const MasterKey& key, std::string stream, WalRecordsCheck check)
    : backend_(backend), key_(key), stream_(std::move(stream)), check_(std::move(check)) {}

Status WalStreamReader::List() {
  auto names = ListWal(backend_, stream_);
  if (!names.ok()) return names.status();
  names_ = std::move(names.value());
  covered_ = false;
  return Status::Ok();
}

uint64_t WalStreamReader::last_named_seq() const {
  uint64_t last = 0;
  for (const WalName& n : names_) last = std::max(last, n.last_seq);
  return last;
}

uint64_t WalStreamReader::ObjectsAfter(uint64_t seq) const {
  uint64_t n = 0;
  for (const WalName& o : CoverOf(names_, seq + 1).objects) n += o.last_seq > seq;
  return n;
}

Result<WalStreamReader::Step> WalStreamReader::Next(uint64_t after_seq) {
  const uint64_t need = after_seq + 1;
  for (int relists = 0;; ++relists) {
    if (!covered_) {
      cover_ = CoverOf(names_, need);
      covered_ = true;
      pos_ = 0;
    }
    while (pos_ < cover_.objects.size() && cover_.objects[pos_].last_seq < need) ++pos_;
    Step step;
    if (pos_ == cover_.objects.size()) return step;  // kEnd
    const WalName& name = cover_.objects[pos_];
    step.name = name.name;
    if (name.first_seq > need) {
      step.kind = Step::Kind::kGap;
      step.gap_to = name.first_seq - 1;
      return step;
    }
    auto obj = ReadWalObject(backend_, key_, name, check_);
    ++read_;
    if (obj.ok()) {
      step.kind = Step::Kind::kObject;
      step.object = std::move(obj.value());
      return step;
    }
    if (obj.status().kind() != Status::Kind::kNotFound || relists == kMaxRelists) {
      step.kind = Step::Kind::kUnreadable;
      step.error = obj.status();
      return step;
    }
    PB_RETURN_IF_ERROR(List());  // replaced by a merged object since the listing?
  }
}

}  // namespace pb::repo
