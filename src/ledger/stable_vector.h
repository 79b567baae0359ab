#pragma once

#include <bit>
#include <cstddef>
#include <new>
#include <utility>
#include <vector>

#include "common/huge_pages.h"

namespace pb::ledger {

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

// An append-only sequence whose elements never move. The owner thread
// appends; a View taken on the owner thread can then be read from another
// thread while the owner keeps appending (the view covers only elements that
// existed when it was taken, and those are never modified). Not copyable.
// Block k holds kFirst << k elements (4096, 8192, ...): a small state takes
// little memory, a million elements take 8 blocks, huge-page mapped during
// a bulk load (common/huge_pages.h). Elements are constructed as they are
// appended, so memory is touched only as the sequence grows.
template <typename T>
class StableVector {
  static constexpr size_t kFirst = 4096;
  // The block holding element i, and the index of its first element.
  static size_t BlockOf(size_t i) { return static_cast<size_t>(std::bit_width(i / kFirst + 1)) - 1; }
  static size_t StartOf(size_t block) { return kFirst * ((size_t{1} << block) - 1); }
  static const T& At(const T* const* blocks, size_t i) {
    size_t b = BlockOf(i);
    return blocks[b][i - StartOf(b)];
  }

 public:
  // A read-only window over the first size() elements.
  class View {
   public:
    View() = default;
    size_t size() const { return size_; }
    const T& operator[](size_t i) const { return At(blocks_.data(), i); }
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
  ~StableVector() {
    for (size_t i = 0; i < size_; ++i) Slot(i)->~T();
  }

  void push_back(T value) {
    if (size_ == StartOf(memory_.size())) {
      blocks_.push_back(reinterpret_cast<T*>(memory_.Add(sizeof(T) * (kFirst << memory_.size()))));
    }
    new (Slot(size_)) T(std::move(value));
    ++size_;
  }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const T& operator[](size_t i) const { return At(blocks_.data(), i); }
  const T& back() const { return (*this)[size_ - 1]; }
  // Huge pages during a start-up's bulk load, small ones when serving.
  void SetPageSize(PageSize pages) { memory_.SetPageSize(pages); }

  View Snapshot() const {
    View v;
    v.size_ = size_;
    v.blocks_.assign(blocks_.begin(), blocks_.end());
    return v;
  }
  IndexIterator<StableVector, T> begin() const { return {this, 0}; }
  IndexIterator<StableVector, T> end() const { return {this, size_}; }

 private:
  T* Slot(size_t i) {
    size_t b = BlockOf(i);
    return blocks_[b] + (i - StartOf(b));
  }

  MappedBlocks memory_;     // block k: room for kFirst << k elements
  std::vector<T*> blocks_;  // the same, typed
  size_t size_ = 0;
};

}  // namespace pb::ledger
