// Domain values -> template data for pages (the page twin of json.hpp).
#pragma once

#include "community/community.hpp"
#include "content/content.hpp"
#include "render/templates.hpp"
#include "web/web.hpp"

namespace gh::web {

render::Data community_data(const community::Community& c);
render::Data post_summary_data(const Context& ctx, const Services& services, const content::Post& p);
render::Data post_data(const Context& ctx, const Services& services, const content::Post& p);
render::Data comment_data(const content::Comment& c);
// "3 minutes ago" / "3 分钟前" for recent times, a date otherwise.
std::string relative_time(const Context& ctx, const Services& services, Millis at);
std::string kind_label(const Context& ctx, const Services& services, std::string_view kind);

}  // namespace gh::web
