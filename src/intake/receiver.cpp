#include "intake/receiver.h"

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

}  // namespace heeler::intake
