#include "proxy/redis/client.hpp"


namespace foilcache::redis {
namespace {

template <typename Initiate, typename... Args>
auto initiate(Initiate&& initiate, Args&&... args) {
  return net::async_initiate<decltype(net::use_awaitable), void(Result)>(std::forward<Initiate>(initiate),
                                                                         net::use_awaitable, args...);
}

}  // namespace

ClientStats& operator+=(ClientStats& total, const ClientStats& more) {
  total.commands += more.commands;
  total.timeouts += more.timeouts;
  total.rejected += more.rejected;
  total.short_circuited += more.short_circuited;
  total.connects += more.connects;
  total.connect_failures += more.connect_failures;
  total.disconnects += more.disconnects;
  total.redirects += more.redirects;
  total.topology_changes += more.topology_changes;
  return total;
}

net::awaitable<Result> Client::command(std::span<const std::string_view> argv) {
  return initiate([this](auto handler, std::span<const std::string_view> args) { async_command(args, Handler(std::move(handler))); },
                  argv);
}

net::awaitable<Result> Client::command(std::initializer_list<std::string_view> argv) {
  return command(std::span<const std::string_view>(argv.begin(), argv.size()));
}

net::awaitable<Result> Client::command(std::vector<std::string> argv) {
  const std::vector<std::string_view> views(argv.begin(), argv.end());
  co_return co_await command(std::span<const std::string_view>(views));
}

net::awaitable<Result> Client::command_at(std::string node, std::vector<std::string> argv) {
  const std::vector<std::string_view> views(argv.begin(), argv.end());
  co_return co_await initiate(
      [this, &node](auto handler, std::span<const std::string_view> args) {
        async_command_at(node, args, Handler(std::move(handler)));
      },
      std::span<const std::string_view>(views));
}

net::awaitable<std::vector<Result>> Client::pipeline(std::vector<std::vector<std::string_view>> commands) {
  const std::vector<std::span<const std::string_view>> spans(commands.begin(), commands.end());
  co_return co_await pipeline(std::span<const std::span<const std::string_view>>(spans));
}

net::awaitable<std::vector<Result>> Client::pipeline(std::span<const std::span<const std::string_view>> commands) {
  return net::async_initiate<decltype(net::use_awaitable), void(std::vector<Result>)>(
      [this](auto handler, std::span<const std::span<const std::string_view>> all) {
        async_pipeline(all, PipelineHandler(std::move(handler)));
      },
      net::use_awaitable, commands);
}

}  // namespace foilcache::redis
