#include "proxy/http/connection_limits.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "proxy/http/responses.hpp"

namespace foilcache::http_server {
namespace {

// The whole answer, built once: the proxy's JSON error body, with Retry-After and a close.
const std::string& refusal() {
  static const std::string text = [] {
    const std::string body = json_error_body("too many connections from this address");
    return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n"
           "Content-Length: " + std::to_string(body.size()) + "\r\nRetry-After: 1\r\nConnection: close\r\n\r\n" + body;
  }();
  return text;
}

}  // namespace

ConnectionSlot::ConnectionSlot(ConnectionSlot&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)), address_(other.address_), counted_per_ip_(other.counted_per_ip_) {}

ConnectionSlot& ConnectionSlot::operator=(ConnectionSlot&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::exchange(other.owner_, nullptr);
    address_ = other.address_;
    counted_per_ip_ = other.counted_per_ip_;
  }
  return *this;
}

ConnectionSlot::~ConnectionSlot() { release(); }

void ConnectionSlot::release() {
  if (owner_ != nullptr) std::exchange(owner_, nullptr)->release(address_, counted_per_ip_);
}

bool ConnectionLimits::may_accept(const ConnectionCaps& caps) const {
  if (caps.total == 0) return true;
  const std::lock_guard lock(mutex_);
  return open_ < caps.total;
}

ConnectionLimits::Admission ConnectionLimits::admit(const net::ip::address& address, const ConnectionCaps& caps) {
  const bool per_ip = caps.per_ip != 0 && has_share(address);
  const std::lock_guard lock(mutex_);
  if (caps.total != 0 && open_ >= caps.total) return {Verdict::kTotalFull, {}};
  if (per_ip) {
    const auto [it, added] = per_ip_.try_emplace(address, 0);
    if (it->second >= caps.per_ip) return {Verdict::kAddressFull, {}};
    ++it->second;
  }
  ++open_;
  return {Verdict::kAdmitted, ConnectionSlot(this, address, per_ip)};
}

void ConnectionLimits::release(const net::ip::address& address, bool counted_per_ip) {
  const std::lock_guard lock(mutex_);
  --open_;
  if (!counted_per_ip) return;
  const auto it = per_ip_.find(address);
  if (it != per_ip_.end() && --it->second == 0) per_ip_.erase(it);
}

std::size_t ConnectionLimits::open() const {
  const std::lock_guard lock(mutex_);
  return open_;
}

std::size_t ConnectionLimits::open_from(const net::ip::address& address) const {
  const std::lock_guard lock(mutex_);
  const auto it = per_ip_.find(address);
  return it == per_ip_.end() ? 0 : it->second;
}

std::size_t ConnectionLimits::effective_total(std::size_t configured, std::size_t descriptors, std::size_t reserve) {
  if (descriptors == 0) return configured;  // unlimited (RLIM_INFINITY)
  const std::size_t fit = std::max<std::size_t>(1, descriptors > 2 * reserve ? (descriptors - reserve) / 2 : descriptors / 4);
  return configured == 0 ? fit : std::min(configured, fit);
}

bool ConnectionLimits::has_share(const net::ip::address& address) {
  if (address.is_v4()) return address.to_v4() != net::ip::address_v4::loopback();
  const auto v6 = address.to_v6();
  if (v6.is_v4_mapped()) return net::ip::make_address_v4(net::ip::v4_mapped, v6) != net::ip::address_v4::loopback();
  return !v6.is_loopback();
}

void refuse_over_share(tcp::socket& socket) {
  error_code ec;
  socket.non_blocking(true, ec);
  if (!ec) socket.write_some(net::buffer(refusal()), ec);
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

}  // namespace foilcache::http_server
