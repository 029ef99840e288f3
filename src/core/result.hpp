// Result<T>: a T or an Error, with std::expected's member names so that a later move to
// C++23 is a type alias. Result<void> holds nothing or an Error.
#pragma once

#include <cstdlib>
#include <utility>
#include <variant>

#include "core/check.hpp"
#include "core/error.hpp"

namespace gh {

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit by design.
  Result(Error error) : data_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool has_value() const { return data_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  // REQUIRES: has_value().
  T& value() & {
    GH_CHECK(has_value(), "Result::value() on an error");
    return std::get<0>(data_);
  }
  const T& value() const& {
    GH_CHECK(has_value(), "Result::value() on an error");
    return std::get<0>(data_);
  }
  T&& value() && {
    GH_CHECK(has_value(), "Result::value() on an error");
    return std::get<0>(std::move(data_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // REQUIRES: !has_value().
  const Error& error() const& {
    GH_CHECK(!has_value(), "Result::error() on a value");
    return std::get<1>(data_);
  }
  Error&& error() && {
    GH_CHECK(!has_value(), "Result::error() on a value");
    return std::get<1>(std::move(data_));
  }

 private:
  std::variant<T, Error> data_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT

  bool has_value() const { return !failed_; }
  explicit operator bool() const { return has_value(); }
  void value() const { GH_CHECK(has_value(), "Result<void>::value() on an error"); }
  const Error& error() const& {
    GH_CHECK(failed_, "Result::error() on a value");
    return error_;
  }
  Error&& error() && {
    GH_CHECK(failed_, "Result::error() on a value");
    return std::move(error_);
  }

 private:
  Error error_;
  bool failed_ = false;
};

using Status = Result<void>;

}  // namespace gh
