#include "intake/receiver.h"

#include <string>

namespace heeler::intake {
namespace {

std::vector<ReceiverRegistration>& registry() {
  static std::vector<ReceiverRegistration> receivers;
  return receivers;
}

}  // namespace

bool register_receiver(std::string name, ReceiverFactory factory) {
  registry().push_back({std::move(name), std::move(factory)});
  return true;
}

const std::vector<ReceiverRegistration>& registered_receivers() {
  return registry();
}

net::Response consume_failed(const core::Status& status) {
  net::Response response = net::Response::error(status);
  if (status.code() == core::Code::unavailable) {
    response.status = 503;
    response.headers.push_back({"Retry-After", std::to_string(pipeline::kRetryAfterSeconds)});
  }
  return response;
}

}  // namespace heeler::intake
