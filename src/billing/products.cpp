#include "billing/products.hpp"

#include <stdexcept>

namespace gh::billing {

void Catalog::add(std::string kind, const Product& product) {
  if (!products_.emplace(kind, &product).second) {
    throw std::logic_error("billing: product kind registered twice: " + kind);
  }
}

const Product* Catalog::find(std::string_view kind) const {
  const auto it = products_.find(kind);
  return it == products_.end() ? nullptr : it->second;
}

}  // namespace gh::billing
