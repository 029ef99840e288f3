// Route registration, one function per capability's door file.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "web/web.hpp"

namespace gh::web {

void register_identity_routes(WebApp& app);
void register_community_routes(WebApp& app);
void register_content_routes(WebApp& app);
void register_billing_routes(WebApp& app);
void register_books_routes(WebApp& app);
void register_offer_routes(WebApp& app);
// The pricing page (billing_routes.cpp), re-shown with `error` on the admin form named `form`
// ("tier", "coupon", "codes") and the submitted `values`.
http::Response render_pricing(Context& ctx, Services& s, std::optional<Error> error, render::Data values,
                              std::string_view form);
// The pricing page's admin section for coupons and code batches (offer_routes.cpp).
void add_offer_admin_data(Context& ctx, const Services& s, const community::Community& community,
                          const std::vector<billing::Tier>& tiers, render::Data& data);
void register_page_routes(WebApp& app);
void register_refund_routes(WebApp& app);
void register_webhook_routes(WebApp& app);
void register_mail_routes(WebApp& app);
void register_qa_routes(WebApp& app);
void register_engage_routes(WebApp& app);
// The question page's extras (qa_routes.cpp): bounty, accept and vote buttons per answer.
// A form of the post page that was refused: "comment" or "bounty", why, and what was typed.
struct FailedForm {
  std::string form;
  Error error;
  render::Data values;
};
// The post page with its comments, and a refused form again (views are counted by GET /p/{id}).
http::Response post_page(Context& ctx, Services& s, PostId id, content::Posts::CountView count,
                         const std::optional<FailedForm>& failed);
void add_question_data(Context& ctx, Services& s, const content::Post& post, render::Data& data);
void add_answer_data(Context& ctx, const content::Post& post, const content::Comment& comment, render::Data& data);
// The profile's levels and badges (engage_routes.cpp).
void add_profile_engagement(Context& ctx, Services& s, UserId user, bool is_self, render::Data& data);
void register_moderation_routes(WebApp& app);
void register_learn_routes(WebApp& app);
void register_files_routes(WebApp& app);
// The body limit of a request to spool to disk (the file upload route), 0 for any other.
uint64_t upload_spool_limit(const Services& s, std::string_view method, std::string_view path);
// Whether the signed-in viewer may upload to the community its path names (before the body
// is read). Errors: community.not_found, files.forbidden.
Status admit_upload(Context& ctx, Services& s);
void register_feedback_routes(WebApp& app);
void register_notify_routes(WebApp& app);
void register_expert_routes(WebApp& app);
void register_event_routes(WebApp& app);
// The follow button of a tag page (notify_routes.cpp).
void add_tag_follow_data(Context& ctx, Services& s, const community::Community& community, const std::string& tag,
                         render::Data& data);

// "https://host" where users reach us: the configured public URL, else the request's Host.
std::string public_base(const Context& ctx, const Services& services);

// Session cookie helpers shared by the identity API and pages.
void set_session_cookie(const Context& ctx, http::Response& response, const std::string& token);
void clear_session_cookie(const Context& ctx, http::Response& response);

// Reads the JSON body or throws the request.invalid_json Error (caught by WebApp::run).
class JsonInput;
JsonInput json_body(const Context& ctx);
// Throws the first type error a JsonInput met.
void check(const JsonInput& in);
http::Response json_response(int status, const boost::json::object& body);
// The optional ?limit= query parameter (pagination.invalid_limit when not an integer).
int limit_param(const http::Request& request, int fallback);
boost::json::value cursor_json(const std::optional<std::string>& cursor);
// The {id} path parameter as a positive integer (http.not_found otherwise).
int64_t id_param(const http::Request& request);
// Throws the Error inside a failed Result; returns the value otherwise.
template <class T>
T take(Result<T> result) {
  if (!result) {
    throw std::move(result).error();
  }
  return std::move(result).value();
}
inline void take(Status status) {
  if (!status) {
    throw std::move(status).error();
  }
}

}  // namespace gh::web
