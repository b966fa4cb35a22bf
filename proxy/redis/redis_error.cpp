#include "proxy/redis/redis_error.hpp"

#include <string>

namespace foilcache::redis {
namespace {

class Category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "foilcache.redis"; }

  std::string message(int value) const override {
    switch (static_cast<Errc>(value)) {
      case Errc::not_connected: return "not connected to redis";
      case Errc::timeout: return "redis command timed out";
      case Errc::connection_lost: return "redis connection lost";
      case Errc::connect_failed: return "redis connect failed";
      case Errc::auth_failed: return "redis authentication or database selection failed";
      case Errc::overloaded: return "too many redis commands in flight";
      case Errc::protocol: return "unexpected redis reply";
      case Errc::circuit_open: return "circuit breaker open: Redis was failing";
    }
    return "unknown redis error";
  }
};

}  // namespace

const boost::system::error_category& error_category() noexcept {
  static const Category category;
  return category;
}

}  // namespace foilcache::redis
