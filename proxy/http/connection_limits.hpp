// How many client connections foilcache holds open: in all (limits.max_connections, also
// bounded by the descriptors the process may open) and per client address
// (limits.max_connections_per_ip). Shared by every io thread.
//
// Over the total, the listeners stop accepting until a connection ends: new connections
// wait in the kernel's backlog, as HAProxy's maxconn does, and every open one keeps being
// served. Over an address's share, the connection is accepted and refused at once (503),
// so one client cannot take the slots everyone else needs. The loopback addresses
// 127.0.0.1 and ::1 have no share: a proxy or health checker on the same host stands for
// all its clients at once.
#pragma once

#include <cstddef>
#include <mutex>
#include <unordered_map>

#include "common/net.hpp"

namespace foilcache::http_server {

struct ConnectionCaps {
  std::size_t total = 0;   // 0: no cap
  std::size_t per_ip = 0;  // 0: no cap
};

class ConnectionLimits;

// One admitted connection's slot: released when it is destroyed. Movable.
class ConnectionSlot {
 public:
  ConnectionSlot() = default;
  ConnectionSlot(ConnectionSlot&& other) noexcept;
  ConnectionSlot& operator=(ConnectionSlot&& other) noexcept;
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;
  ~ConnectionSlot();

 private:
  friend class ConnectionLimits;
  ConnectionSlot(ConnectionLimits* owner, const net::ip::address& address, bool counted_per_ip)
      : owner_(owner), address_(address), counted_per_ip_(counted_per_ip) {}
  void release();

  ConnectionLimits* owner_ = nullptr;
  net::ip::address address_;
  bool counted_per_ip_ = false;
};

class ConnectionLimits {
 public:
  // Whether a listener may accept one more connection now (the total is under its cap).
  bool may_accept(const ConnectionCaps& caps) const;
  // A slot for a connection from `address` (kAdmitted), or none: the total is reached (the
  // connection waits for one), or that address holds its share (refused). The total is
  // checked here too: several listeners may each have found room for one more.
  enum class Verdict { kAdmitted, kTotalFull, kAddressFull };
  struct Admission {
    Verdict verdict = Verdict::kTotalFull;
    ConnectionSlot slot;
    bool admitted() const { return verdict == Verdict::kAdmitted; }
  };
  Admission admit(const net::ip::address& address, const ConnectionCaps& caps);

  std::size_t open() const;
  std::size_t open_from(const net::ip::address& address) const;

  // The cap on the total that `configured` leaves with `descriptors` (RLIMIT_NOFILE): each
  // client connection may need a connection to the app too, and `reserve` descriptors are
  // kept for Redis, the listeners and files. 0 (no cap) only when both say so.
  static std::size_t effective_total(std::size_t configured, std::size_t descriptors, std::size_t reserve = 64);
  static bool has_share(const net::ip::address& address);

 private:
  friend class ConnectionSlot;
  void release(const net::ip::address& address, bool counted_per_ip);

  mutable std::mutex mutex_;
  std::size_t open_ = 0;
  std::unordered_map<net::ip::address, std::size_t> per_ip_;
};

// Answers a connection whose address holds its share: 503 with Retry-After, written without
// waiting (it fits an empty send buffer) and without reading the request, then closed. A
// client whose request was already in flight may see a reset instead: both mean "refused",
// and reading first would let the refused connections hold descriptors and time.
void refuse_over_share(tcp::socket& socket);

}  // namespace foilcache::http_server
