// foilcache: args -> Config -> Server; io threads; signals.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "common/webhook_signature.hpp"
#include "proxy/log/log.hpp"
#include "proxy/app/server.hpp"
#include "proxy/config/config_loader.hpp"

namespace {

constexpr const char* kDefaultConfig = "conf/foilcache.yaml";

void print_help() {
  std::cout << "Usage: foilcache [--config FILE]\n"
               "       foilcache --check-config FILE\n"
               "       foilcache --version | --help\n\n"
               "A caching reverse proxy for the MyFoil library service.\n\n"
               "  --config FILE        run with FILE (default " << kDefaultConfig << ")\n"
               "  --check-config FILE  validate FILE: exit 0, or print every error as FILE:LINE:COL: message\n"
               "                       and exit 1\n"
               "  --version            print the version\n"
               "  --help               print this help\n\n"
               "Signals: SIGHUP reloads the config; SIGTERM/SIGINT drain in-flight requests and exit 0.\n";
}

// glibc gives a freed heap top back to the kernel (trim), serves allocations over 128 KiB
// or so from mmap, and opens an arena per thread up to 8 per core: an L1 refilled after
// each invalidation (entries of 25 to 100 KiB) then moves RSS up and down by megabytes and
// spreads it over arenas. Freed memory is kept for reuse instead, in an arena per io thread:
// RSS is the high-water mark of what was used, flat once warmed up (docs/HARDENING.md,
// "Soak"). GLIBC_TUNABLES, when set, decides instead.
void keep_freed_memory(unsigned io_threads) {
#if defined(__GLIBC__)
  if (std::getenv("GLIBC_TUNABLES") != nullptr) return;
  const unsigned threads = io_threads != 0 ? io_threads : std::max(1u, std::thread::hardware_concurrency());
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_ARENA_MAX, static_cast<int>(std::max(2u, threads)));
#else
  (void)io_threads;
#endif
}

int check_config(const std::string& path) {
  try {
    foilcache::config::load_config_file(path);
    std::cout << path << ": OK\n";
    return 0;
  } catch (const foilcache::config::ConfigError& e) {
    for (const auto& error : e.errors()) std::cerr << error << '\n';
    return 1;
  }
}

int run(const std::string& path) {
  using namespace foilcache;
  std::shared_ptr<const config::Config> config;
  try {
    config = config::load_config_file(path);
  } catch (const config::ConfigError& e) {
    for (const auto& error : e.errors()) std::cerr << error << '\n';
    return 1;
  }
  log::set_level(config->log.level);
  keep_freed_memory(config->threads);
  // OpenSSL 3 sets up its digest providers on first use (about a millisecond): do it now,
  // not inside the first {user} key, admin call or webhook.
  common::sign_webhook("warm-up", "0", "");
  if (config->identity.secret.empty()) {
    log::warn("identity.secret is empty: {user} keys are plain hashes of credentials; set FOILCACHE_IDENTITY_SECRET");
  }

  if (config->redis.url.empty()) {
    log::info("store: embedded memory (" + std::to_string(config->memory.max_bytes) + " bytes)");
  } else {
    log::info("store: redis " + config->redis.masked_url() + " prefix '" + config->redis.prefix + "'");
  }

  app::Server server(config, path);
  try {
    server.start();
  } catch (const std::exception& e) {
    std::cerr << "foilcache: cannot listen on " << config->listen_host << ':' << config->listen_port << ": "
              << e.what() << '\n';
    return 1;
  }
  // On the leveled log (stderr): stdout carries the JSON access log alone.
  log::info(std::string("foilcache ") + FOILCACHE_VERSION + " listening on http://" + config->listen_host + ':' +
            std::to_string(server.port()) + " -> " + config->upstream_url);
  return server.run_until_signalled();
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path = kDefaultConfig;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      print_help();
      return 0;
    }
    if (arg == "--version") {
      std::cout << "foilcache " << FOILCACHE_VERSION << '\n';
      return 0;
    }
    if ((arg == "--check-config" || arg == "--config") && i + 1 < argc) {
      if (arg == "--check-config") return check_config(argv[i + 1]);
      config_path = argv[++i];
      continue;
    }
    std::cerr << "foilcache: unknown or incomplete argument '" << arg << "' (see --help)\n";
    return 2;
  }
  return run(config_path);
}
