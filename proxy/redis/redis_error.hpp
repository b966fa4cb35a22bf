// Errors of the Redis client, as an error_code category ("foilcache.redis").
#pragma once

#include <type_traits>

#include <boost/system/error_code.hpp>

namespace foilcache::redis {

enum class Errc {
  not_connected = 1,  // no ready connection: the command was not sent
  timeout,            // no reply within the command (or connect) timeout
  connection_lost,    // the connection closed before the reply arrived
  connect_failed,     // TCP connect or address resolution failed
  auth_failed,        // AUTH or SELECT was refused during the handshake
  overloaded,         // too many commands in flight on this connection
  protocol,           // the reply could not be understood
  circuit_open,       // the circuit breaker is open: the command was not sent
};

// The category of Errc values.
const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(Errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

}  // namespace foilcache::redis

template <>
struct boost::system::is_error_code_enum<foilcache::redis::Errc> : std::true_type {};
