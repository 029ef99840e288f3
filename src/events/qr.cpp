#include "events/qr.hpp"

#include <qrcodegen.hpp>

namespace gh::events {

std::string qr_svg(std::string_view text) {
  const auto qr = qrcodegen::QrCode::encodeText(std::string(text).c_str(), qrcodegen::QrCode::Ecc::MEDIUM);
  constexpr int kBorder = 4;
  const int size = qr.getSize();
  const std::string side = std::to_string(size + 2 * kBorder);
  std::string path;
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      if (qr.getModule(x, y)) {
        path += "M" + std::to_string(x + kBorder) + "," + std::to_string(y + kBorder) + "h1v1h-1z";
      }
    }
  }
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + side + " " + side +
         "\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR\"><rect width=\"" + side + "\" height=\"" +
         side + "\" fill=\"#fff\"/><path d=\"" + path + "\" fill=\"#000\"/></svg>";
}

}  // namespace gh::events
