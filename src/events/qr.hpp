// gh::events QR codes: a ticket's check-in code as an SVG image, drawn from the QR module
// matrix that libqrcodegencpp computes. Pure function; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace gh::events {

// An SVG (medium error correction, a 4-module quiet zone, black on white) encoding `text`.
// One <path> of unit squares in a viewBox of modules: it scales crisply to any size.
std::string qr_svg(std::string_view text);

}  // namespace gh::events
