#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace pb::ledger {

// An append-only sequence whose elements never move. The owner thread
// appends; a View taken on the owner thread can then be read from another
// thread while the owner keeps appending (the view covers only elements that
// existed when it was taken, and those are never modified). Not copyable.
// Index-based iterator over anything with operator[] (for range-for).
template <typename Container, typename T>
class IndexIterator {
 public:
  IndexIterator(const Container* c, size_t i) : c_(c), i_(i) {}
  const T& operator*() const { return (*c_)[i_]; }
  IndexIterator& operator++() {
    ++i_;
    return *this;
  }
  bool operator!=(const IndexIterator& o) const { return i_ != o.i_; }

 private:
  const Container* c_;
  size_t i_;
};

template <typename T>
class StableVector {
  static constexpr size_t kBlock = 4096;

 public:
  // A read-only window over the first size() elements.
  class View {
   public:
    View() = default;
    size_t size() const { return size_; }
    const T& operator[](size_t i) const { return blocks_[i / kBlock][i % kBlock]; }
    IndexIterator<View, T> begin() const { return {this, 0}; }
    IndexIterator<View, T> end() const { return {this, size_}; }

   private:
    friend class StableVector;
    std::vector<const T*> blocks_;
    size_t size_ = 0;
  };

  StableVector() = default;
  StableVector(const StableVector&) = delete;
  StableVector& operator=(const StableVector&) = delete;

  void push_back(T value) {
    if (size_ % kBlock == 0) blocks_.push_back(std::make_unique<T[]>(kBlock));
    blocks_.back()[size_ % kBlock] = std::move(value);
    ++size_;
  }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const T& operator[](size_t i) const { return blocks_[i / kBlock][i % kBlock]; }
  const T& back() const { return (*this)[size_ - 1]; }

  View Snapshot() const {
    View v;
    v.size_ = size_;
    for (const auto& b : blocks_) v.blocks_.push_back(b.get());
    return v;
  }
  IndexIterator<StableVector, T> begin() const { return {this, 0}; }
  IndexIterator<StableVector, T> end() const { return {this, size_}; }

 private:
  std::vector<std::unique_ptr<T[]>> blocks_;
  size_t size_ = 0;
};

}  // namespace pb::ledger
